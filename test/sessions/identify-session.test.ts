import { describe, expect, it } from 'vitest'
import claude1 from '../fixtures/clients/claude/01-v1-messages.json'
import claude2 from '../fixtures/clients/claude/02-v1-messages.json'
import codex1 from '../fixtures/clients/codex/01-v1-responses.json'
import codex2 from '../fixtures/clients/codex/02-v1-responses.json'
import gemini1 from '../fixtures/clients/gemini/01-v1beta-models-gemini-2.5-flash-streamGenerateContent.json'
import gemini2 from '../fixtures/clients/gemini/02-v1beta-models-gemini-2.5-flash-streamGenerateContent.json'
import opencode1 from '../fixtures/clients/opencode-chat-completions/01-v1-chat-completions.json'
import opencode3 from '../fixtures/clients/opencode-chat-completions/03-v1-chat-completions.json'
import type { ProtocolId } from '../../src/protocols/types'
import { hash64 } from '../../src/sessions/hash64'
import { claudeCodeSession, clientSessionHeaders, firstUserText, gatewaySessionId, identifySession } from '../../src/sessions/identify-session'

type Captured = { headers: Record<string, string>; body: unknown }
const identify = (front: ProtocolId, c: Captured, drop: string[] = []) => {
  const headers = new Headers(c.headers)
  for (const h of drop) headers.delete(h)
  return identifySession(front, headers, structuredClone(c.body) as Record<string, unknown>, 'alice')
}
const body = (c: Captured) => structuredClone(c.body) as Record<string, any>

describe('identifySession: captured clients', () => {
  it('Claude Code: its session header, and the same session from metadata.user_id (JSON form) without it', () => {
    const a = identify('anthropic', claude1)
    expect(a).toEqual({ key: '17b61c42-4f79-437d-8d33-14256f9577da', source: 'claude-code' })
    expect(identify('anthropic', claude2)).toEqual(a)
    expect(identify('anthropic', claude1, ['x-claude-code-session-id'])).toEqual(a)
  })

  it("Codex: the session-id header, and prompt_cache_key (the same id) without it", () => {
    const a = identify('openai-responses', codex1)
    expect(a).toEqual({ key: '01a1fd2a-84c8-7651-8b02-9f9b9fad2402', source: 'codex' })
    expect(identify('openai-responses', codex2)).toEqual(a)
    expect(identify('openai-responses', codex1, ['session-id'])).toEqual(a)
    // older Codex versions: session_id
    expect(identifySession('openai-responses', new Headers({ session_id: 'abc-1' }), {}, 'alice')).toEqual({ key: 'abc-1', source: 'codex' })
  })

  it('opencode: x-session-id', () => {
    expect(identify('openai-chat', opencode1)).toEqual({ key: 'ses_e02d55172ffeNgg4ejhgFMo0d7', source: 'header' })
    expect(identify('openai-chat', opencode3)).toEqual({ key: 'ses_e02d55172ffeNgg4ejhgFMo0d7', source: 'header' })
  })

  it('Gemini CLI on v1beta sends no id: a fingerprint of the first user message, the same on the next turn', () => {
    const a = identify('gemini', gemini1)
    expect(a.source).toBe('fingerprint')
    expect(a.key).toMatch(/^[0-9a-f]{16}$/)
    expect(identify('gemini', gemini2)).toEqual(a)
    expect(a.key).toBe(hash64(firstUserText('gemini', body(gemini1))))
  })

  it('every fixture: the first user message is found, and a later turn has the same first message', () => {
    const cases: Array<[ProtocolId, Captured, Captured]> = [
      ['anthropic', claude1, claude2],
      ['openai-responses', codex1, codex2],
      ['gemini', gemini1, gemini2],
      ['openai-chat', opencode1, opencode3],
    ]
    for (const [front, first, later] of cases) {
      const text = firstUserText(front, body(first))
      expect(text.length).toBeGreaterThan(0)
      if (front !== 'openai-chat') expect(firstUserText(front, body(later))).toBe(text) // opencode's 01 is a side request (a title)
    }
  })
})

describe('identifySession: precedence and variants', () => {
  const none = new Headers()
  it('x-session-id wins over everything a client sends', () => {
    const h = new Headers({ 'x-session-id': ' mine ', 'x-claude-code-session-id': 'cc', session_id: 'cx' })
    expect(identifySession('anthropic', h, { metadata: { user_id: 'user_1_account__session_2' } }, 'a')).toEqual({ key: 'mine', source: 'header' })
  })

  it('Claude Code user_id: the older underscore form, the JSON form, and others', () => {
    expect(claudeCodeSession('user_abc123_account_9f0e_session_5a6b-7c8d')).toBe('5a6b-7c8d')
    expect(claudeCodeSession('user_abc123_account__session_5a6b')).toBe('5a6b')
    expect(claudeCodeSession('{"device_id":"d","account_uuid":"","session_id":"s-1"}')).toBe('s-1')
    expect(claudeCodeSession('{"device_id":"d","session_id":42}')).toBeUndefined()
    expect(claudeCodeSession('{"device_id":"d"')).toBeUndefined() // not JSON after all
    expect(claudeCodeSession('customer-42')).toBeUndefined()
    expect(identifySession('anthropic', none, { metadata: { user_id: 'user_x_account_y_session_z1' } }, 'a')).toEqual({ key: 'z1', source: 'claude-code' })
    expect(identifySession('anthropic', none, { metadata: { user_id: 'customer-42' } }, 'a')).toEqual({ key: 'customer-42', source: 'anthropic-user' })
  })

  it('OpenAI: prompt_cache_key, then user, then safety_identifier', () => {
    expect(identifySession('openai-chat', none, { prompt_cache_key: 'pk', user: 'u' }, 'a')).toEqual({ key: 'pk', source: 'codex' })
    expect(identifySession('openai-chat', none, { user: 'u', safety_identifier: 's' }, 'a')).toEqual({ key: 'u', source: 'openai-user' })
    expect(identifySession('openai-responses', none, { safety_identifier: 's' }, 'a')).toEqual({ key: 's', source: 'openai-user' })
  })

  it('Gemini CLI prompt ids (Code Assist shape): the session part of user_prompt_id, or session_id', () => {
    expect(identifySession('gemini', none, { user_prompt_id: 'sess-9########3' }, 'a')).toEqual({ key: 'sess-9', source: 'gemini-cli' })
    expect(identifySession('gemini', none, { request: { session_id: 'sess-8', contents: [] } }, 'a')).toEqual({ key: 'sess-8', source: 'gemini-cli' })
    // a prompt id without the session separator is per prompt, not per session
    expect(identifySession('gemini', none, { user_prompt_id: 'abc123', contents: [{ role: 'user', parts: [{ text: 'q' }] }] }, 'a').source).toBe('fingerprint')
  })

  it('missing fields, non-string and blank values fall through to the fingerprint', () => {
    const messages = [{ role: 'user', content: 'hello there' }]
    const fp = { key: hash64('hello there'), source: 'fingerprint' }
    expect(identifySession('anthropic', new Headers({ 'x-session-id': '   ' }), { messages }, 'a')).toEqual(fp)
    expect(identifySession('anthropic', none, { messages, metadata: { user_id: 7 } }, 'a')).toEqual(fp)
    expect(identifySession('anthropic', none, { messages, metadata: 'x' }, 'a')).toEqual(fp)
    expect(identifySession('openai-chat', none, { messages, user: { id: 1 }, prompt_cache_key: null }, 'a')).toEqual(fp)
    expect(identifySession('gemini', none, { contents: [{ role: 'user', parts: [{ text: 'hello there' }] }], user_prompt_id: 5 }, 'a')).toEqual(fp)
  })

  it('a very long id is cut, not refused', () => {
    const long = 'x'.repeat(1000)
    expect(identifySession('openai-chat', new Headers({ 'x-session-id': long }), {}, 'a').key).toBe('x'.repeat(200))
  })
})

describe('firstUserText', () => {
  it('Anthropic / Chat: string or text parts; skips system, assistant, and user messages with no text', () => {
    const messages = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: [{ type: 'image', source: {} }] },
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'tool_result', content: 'r' }, { type: 'text', text: 'b' }] },
      { role: 'user', content: 'later' },
    ]
    expect(firstUserText('anthropic', { messages })).toBe('a\nb')
    expect(firstUserText('openai-chat', { messages: [{ role: 'assistant', content: 'x' }, { role: 'user', content: 'q' }] })).toBe('q')
    expect(firstUserText('openai-chat', { messages: 'nope' })).toBe('')
    expect(firstUserText('openai-chat', {})).toBe('')
  })

  it('Responses: a string input, or the first user message item (input_text parts)', () => {
    expect(firstUserText('openai-responses', { input: 'just this' })).toBe('just this')
    const input = [
      { type: 'message', role: 'developer', content: 'dev' },
      { type: 'function_call_output', call_id: 'c', output: 'o' },
      { role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_image', image_url: 'u' }] },
    ]
    expect(firstUserText('openai-responses', { input })).toBe('hi')
  })

  it('Gemini: user contents (role may be absent); thought parts and function responses skipped', () => {
    const contents = [
      { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] },
      { role: 'model', parts: [{ text: 'm' }] },
      { parts: [{ text: 'secret thought', thought: true }, { text: 'real' }] },
    ]
    expect(firstUserText('gemini', { contents })).toBe('real')
  })
})

describe('gatewaySessionId and the hash', () => {
  it('hash64 is stable, 16 hex characters, and tells near strings apart', () => {
    const inputs = ['', 'a', 'b', 'ab', 'ba', 'sk-test-123', 'sk-test-124', 'ünïcødé ✓', 'x'.repeat(5000), 'x'.repeat(5001)]
    const out = inputs.map(hash64)
    for (const h of out) expect(h).toMatch(/^[0-9a-f]{16}$/)
    expect(new Set(out).size).toBe(inputs.length)
    expect(inputs.map(hash64)).toEqual(out)
  })


  it('s_ and 16 hex; differs by client, by source and by key; stable', () => {
    const a = gatewaySessionId('alice', 'header', 'k1')
    expect(a).toMatch(/^s_[0-9a-f]{16}$/)
    expect(gatewaySessionId('alice', 'header', 'k1')).toBe(a)
    expect(gatewaySessionId('bob', 'header', 'k1')).not.toBe(a)
    expect(gatewaySessionId('alice', 'codex', 'k1')).not.toBe(a)
    expect(gatewaySessionId('alice', 'header', 'k2')).not.toBe(a)
    // no ambiguity from joining: ('a', 'bc') vs ('ab', 'c')
    expect(gatewaySessionId('a', 'bc', 'k')).not.toBe(gatewaySessionId('ab', 'c', 'k'))
  })

  it('clientSessionHeaders names every header the captured clients use for their session', () => {
    for (const h of ['x-session-id', 'x-session-affinity', 'x-claude-code-session-id', 'session_id', 'session-id', 'x-codex-turn-metadata']) expect(clientSessionHeaders).toContain(h)
    for (const h of clientSessionHeaders) expect(h).toBe(h.toLowerCase())
  })
})
