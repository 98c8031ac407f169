import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src/config/settings'
import { GatewayError } from '../../src/hub/errors'
import { resolveModel } from '../../src/routing/resolve-model'

const settings = (env: Record<string, string> = {}) =>
  loadSettings({ OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a', OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1', ...env })

describe('resolveModel', () => {
  it('backend:model picks the back end; the rest (colons included) is the model', () => {
    expect(resolveModel('openai:gpt-4o', settings())).toMatchObject({ backend: { id: 'openai' }, model: 'gpt-4o' })
    expect(resolveModel('ollama:llama3:8b', settings())).toMatchObject({ backend: { id: 'ollama' }, model: 'llama3:8b' })
  })

  it('a bare model goes to the configured back end that lists it', () => {
    expect(resolveModel('claude-sonnet-4-5', settings()).backend.id).toBe('anthropic')
    expect(resolveModel('gpt-4.1-mini', settings()).backend.id).toBe('openai')
    expect(resolveModel('my-model', settings({ OLLAMA_MODELS: 'my-model' })).backend.id).toBe('ollama')
  })

  it('otherwise DEFAULT_BACKEND, whose model replaces the client’s when given', () => {
    expect(resolveModel('mystery', settings({ DEFAULT_BACKEND: 'ollama' }))).toMatchObject({ backend: { id: 'ollama' }, model: 'mystery' })
    expect(resolveModel('claude-x', settings({ ANTHROPIC_API_KEY: '', DEFAULT_BACKEND: 'openai:gpt-4o' }))).toMatchObject({
      backend: { id: 'openai' },
      model: 'gpt-4o',
    })
  })

  it('an unknown back end prefix is a 400 listing the known ones', () => {
    try {
      resolveModel('nope:model', settings())
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError)
      expect((e as GatewayError).status).toBe(400)
      expect((e as GatewayError).message).toMatch(/nope.*openai.*anthropic/)
    }
  })

  it('a back end without its key names the setting', () => {
    expect(() => resolveModel('openai:gpt-4o', settings({ OPENAI_API_KEY: '' }))).toThrow(/OPENAI_API_KEY/)
    expect(() => resolveModel('gpt-4o', loadSettings({}))).toThrow(/OPENAI_API_KEY/)
  })

  it('a model nobody serves, with no default, says how to fix it', () => {
    expect(() => resolveModel('mystery', settings())).toThrow(/DEFAULT_BACKEND/)
  })
})
