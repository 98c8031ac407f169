import { describe, expect, it } from 'vitest'
import { sessionOverrides, overridesOf } from '../../src/interceptors/session-overrides'
import type { SessionData } from '../../src/interceptors/types'
import { commandRuntime } from './commands/context'
import { fakeSession, requestTurn } from './turns'

function apply(data: SessionData, model = 'gpt-4.1', o: { replied?: boolean } = {}) {
  const session = fakeSession(data)
  const turn = requestTurn('openai-chat', { model, messages: [{ role: 'user', content: 'hi' }] }, { rt: commandRuntime(), session })
  if (o.replied) turn.reply('a command’s answer')
  sessionOverrides.request!(turn)
  return { turn, session }
}

describe('session-overrides: the model', () => {
  it('nothing set: the client’s model, no overrides, nothing touched', () => {
    const { turn, session } = apply({})
    expect(turn.model).toBe('gpt-4.1')
    expect(turn.modelVia).toBeUndefined()
    expect(turn.overrides).toEqual({})
    expect(session.touched).toBe(0)
  })

  it('the session model replaces the client’s, every request', () => {
    const data = { settings: { model: 'anthropic:claude-sonnet-4-5' } }
    for (let i = 0; i < 2; i++) {
      const { turn } = apply(data)
      expect(turn.model).toBe('anthropic:claude-sonnet-4-5')
      expect(turn.modelVia).toBe('session')
    }
  })

  it('a one-off wins over the session model, once, and is cleared', () => {
    const data: SessionData = { settings: { model: 'anthropic:claude-sonnet-4-5' }, oneoff: 'openai:gpt-4.1-mini' }
    const first = apply(data)
    expect(first.turn.model).toBe('openai:gpt-4.1-mini')
    expect(first.turn.modelVia).toBe('oneoff')
    expect(first.session.touched).toBe(1)
    expect(data.oneoff).toBeUndefined()
    expect(apply(data).turn.model).toBe('anthropic:claude-sonnet-4-5')
  })

  it('a turn the gateway answered itself keeps the one-off for the next request', () => {
    const data: SessionData = { oneoff: 'openai:gpt-4.1-mini', settings: { temperature: 1 } }
    const { turn, session } = apply(data, 'gpt-4.1', { replied: true })
    expect(turn.model).toBe('gpt-4.1')
    expect(turn.overrides).toEqual({})
    expect(session.touched).toBe(0)
    expect(data.oneoff).toBe('openai:gpt-4.1-mini')
  })

  it('the session back end keeps the client’s model name, without a back end prefix of its own', () => {
    const data = { settings: { backend: 'anthropic' } }
    expect(apply(data, 'claude-sonnet-4-5').turn.model).toBe('anthropic:claude-sonnet-4-5')
    expect(apply(data, 'openai:claude-sonnet-4-5').turn.model).toBe('anthropic:claude-sonnet-4-5')
    // `llama3` is no back end: the colon is part of the model's name.
    expect(apply(data, 'llama3:8b').turn.model).toBe('anthropic:llama3:8b')
    expect(apply(data).turn.modelVia).toBe('session')
  })

  it('the session model wins over the session back end', () => {
    expect(apply({ settings: { backend: 'anthropic', model: 'openai:gpt-4.1' } }).turn.model).toBe('openai:gpt-4.1')
  })

  it('a model that names a session route gets the route’s selector', () => {
    const routes = { fast: { policy: 'km' as const, elements: ['openai:gpt-4.1-mini', 'anthropic:claude-haiku-4-5'] }, one: { policy: 'k' as const, elements: ['anthropic:x', 'openai:y'] } }
    expect(apply({ routes }, 'fast').turn).toMatchObject({ model: 'openai:gpt-4.1-mini|anthropic:claude-haiku-4-5', modelVia: 'session' })
    expect(apply({ routes }, 'one').turn.model).toBe('anthropic:x')
    // Through !/model and !/oneoff too.
    expect(apply({ routes, settings: { model: 'one' } }).turn.model).toBe('anthropic:x')
    expect(apply({ routes, oneoff: 'fast' }).turn).toMatchObject({ model: 'openai:gpt-4.1-mini|anthropic:claude-haiku-4-5', modelVia: 'oneoff' })
    // Another model is untouched.
    expect(apply({ routes }, 'gpt-4.1').turn.model).toBe('gpt-4.1')
  })

  it('a session route with no elements is a 400 naming it', () => {
    expect(() => apply({ routes: { empty: { policy: 'km', elements: [] } } }, 'empty')).toThrow(/model "empty" is a failover route of this session with no elements yet/)
  })
})

describe('session-overrides: request parameters', () => {
  it('temperature, top-p and max-tokens become overrides', () => {
    const { turn } = apply({ settings: { temperature: 0.2, 'top-p': 0.9, 'max-tokens': 512, 'tool-repair': false } })
    expect(turn.overrides).toEqual({ temperature: 0.2, topP: 0.9, maxTokens: 512 })
    expect(turn.model).toBe('gpt-4.1')
  })

  it('reasoning effort and thinking budget become the thinking config; none turns it off', () => {
    expect(overridesOf({ 'reasoning-effort': 'high' })).toEqual({ thinking: { enabled: true, effort: 'high' } })
    expect(overridesOf({ 'thinking-budget': 4096 })).toEqual({ thinking: { enabled: true, budgetTokens: 4096 } })
    expect(overridesOf({ 'reasoning-effort': 'low', 'thinking-budget': 2048 })).toEqual({ thinking: { enabled: true, effort: 'low', budgetTokens: 2048 } })
    expect(overridesOf({ 'reasoning-effort': 'none', 'thinking-budget': 2048 })).toEqual({ thinking: { enabled: false } })
    expect(overridesOf({ 'loop-detection': true, 'command-prefix': '##' })).toBeUndefined()
  })

  it('keeps overrides an earlier interceptor set', () => {
    const session = fakeSession({ settings: { temperature: 0.5 } })
    const turn = requestTurn('openai-chat', { model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }, { rt: commandRuntime(), session })
    turn.overrides.seed = 7
    sessionOverrides.request!(turn)
    expect(turn.overrides).toEqual({ seed: 7, temperature: 0.5 })
  })
})
