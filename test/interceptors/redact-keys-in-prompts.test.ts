import { describe, expect, it } from 'vitest'
import { EndpointTable } from '../../src/endpoints/endpoint-table'
import { KEY_REDACTED, redactKeysInPrompts } from '../../src/interceptors/redact-keys-in-prompts'
import { Redactor } from '../../src/security/redactor'
import { gatewaySecrets } from '../../src/security/secrets'
import { fakeRuntime, fakeSession, requestTurn } from './turns'

const UPSTREAM = 'sk-upstream-Q7x/9+ab'
const CLIENT = 'client-key-4444'
const env = { OPENAI_API_KEY: UPSTREAM, PROXY_API_KEYS: CLIENT }

/** A runtime whose redactor knows the configured keys, as the real one does. */
function runtime(extra: Record<string, string> = {}) {
  const { rt } = fakeRuntime({ ...env, ...extra })
  const redactor = new Redactor(gatewaySecrets(rt.settings, new EndpointTable(rt.settings.backends)))
  return Object.assign(rt, { redactor })
}

const run = (front: Parameters<typeof requestTurn>[0], body: Record<string, unknown>, o: Parameters<typeof requestTurn>[2] = {}) => {
  const turn = requestTurn(front, body, { rt: runtime(), ...o })
  redactKeysInPrompts.request!(turn)
  return turn
}

describe('redact-keys-in-prompts', () => {
  it('a key pasted in user text is replaced, and the client is told how many (never the key)', () => {
    const turn = run('openai-chat', { model: 'm', messages: [{ role: 'user', content: `my key is ${UPSTREAM}, and again ${UPSTREAM}.` }] })
    expect(turn.wasChanged).toBe(true)
    const text = (turn.hub().messages[0]!.content[0] as { text: string }).text
    expect(text).toBe(`my key is ${KEY_REDACTED}, and again ${KEY_REDACTED}.`)
    expect(turn.warnings).toHaveLength(1)
    expect(turn.warnings[0]).toContain('2 API keys')
    expect(turn.warnings[0]).not.toContain(UPSTREAM)
  })

  it('system text, assistant text, a client key and the URL-encoded form', () => {
    const turn = run('anthropic', {
      model: 'm',
      max_tokens: 10,
      system: `use ${CLIENT}`,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'text', text: `curl ?key=${encodeURIComponent(UPSTREAM)}` }] },
        { role: 'user', content: 'ok' },
      ],
    })
    const hub = turn.hub()
    expect(hub.system[0]!.text).toBe(`use ${KEY_REDACTED}`)
    expect((hub.messages[1]!.content[0] as { text: string }).text).toBe(`curl ?key=${KEY_REDACTED}`)
    expect(turn.warnings[0]).toContain('2 API keys')
  })

  it('tool results (string and parts) and tool call arguments, JSON-escaped form included', () => {
    const escaped = JSON.stringify(UPSTREAM).slice(1, -1).replace(/\//g, '\\/') // "sk-upstream-Q7x\/9+ab"
    const turn = run('anthropic', {
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'read .env' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 't1', name: 'Bash', input: { command: `echo ${UPSTREAM}` } },
            { type: 'tool_use', id: 't2', name: 'Bash', input: { command: 'cat .env' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't1', content: `${UPSTREAM}\n` },
            { type: 'tool_result', tool_use_id: 't2', content: [{ type: 'text', text: `{"OPENAI_API_KEY":"${escaped}"}` }] },
          ],
        },
      ],
    })
    const [, call, results] = turn.hub().messages
    const args = (call!.content[0] as { arguments: string }).arguments
    expect(args).not.toContain(UPSTREAM)
    expect(JSON.parse(args)).toEqual({ command: `echo ${KEY_REDACTED}` })
    expect((call!.content[1] as { arguments: string }).arguments).toBe('{"command":"cat .env"}')
    const [r1, r2] = results!.content as Array<{ content: unknown }>
    expect(r1!.content).toBe(`${KEY_REDACTED}\n`)
    expect(r2!.content).toEqual([{ type: 'text', text: `{"OPENAI_API_KEY":"${KEY_REDACTED}"}` }])
    expect(turn.warnings[0]).toContain('3 API keys')
  })

  it('Responses and Gemini front ends: function call output and functionResponse', () => {
    const r = run('openai-responses', {
      model: 'm',
      input: [
        { type: 'function_call', call_id: 'c1', name: 'sh', arguments: '{"cmd":"env"}' },
        { type: 'function_call_output', call_id: 'c1', output: `OPENAI_API_KEY=${UPSTREAM}` },
      ],
    })
    expect(r.wasChanged).toBe(true)
    expect(JSON.stringify(r.hub().messages)).not.toContain(UPSTREAM)
    expect(JSON.stringify(r.hub().messages)).toContain(`OPENAI_API_KEY=${KEY_REDACTED}`)

    const g = run('gemini', { model: 'gemini-2.5-flash', contents: [{ role: 'user', parts: [{ text: `key ${UPSTREAM}` }] }] })
    expect(g.wasChanged).toBe(true)
    expect(g.hub().messages[0]!.content).toEqual([{ type: 'text', text: `key ${KEY_REDACTED}` }])
  })

  it('nothing changes, and nothing is decoded, when no key is present', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'sk-upstream-Q7x is only the start of a key' }] }
    const turn = requestTurn('openai-chat', body, { rt: runtime() })
    let decoded = 0
    const hub = turn.hub
    turn.hub = () => (decoded++, hub())
    redactKeysInPrompts.request!(turn)
    expect(decoded).toBe(0)
    expect(turn.wasChanged).toBe(false)
    expect(turn.warnings).toEqual([])
  })

  it('a key outside message text (a tool description) is decoded but nothing changes', () => {
    const turn = run('openai-chat', {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', description: `uses ${UPSTREAM}`, parameters: { type: 'object' } } }],
    })
    expect(turn.wasChanged).toBe(false)
    expect(turn.warnings).toEqual([])
  })

  it('switched off by the setting or the session; a runtime without secrets costs nothing', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: UPSTREAM }] }
    const { rt } = fakeRuntime({ ...env, REDACT_API_KEYS_IN_PROMPTS: 'off' })
    Object.assign(rt, { redactor: new Redactor([UPSTREAM]) })
    const off = requestTurn('openai-chat', body, { rt })
    redactKeysInPrompts.request!(off)
    expect(off.wasChanged).toBe(false)

    const bySession = run('openai-chat', body, { session: fakeSession({ settings: { 'redact-api-keys-in-prompts': false } }) })
    expect(bySession.wasChanged).toBe(false)

    const none = requestTurn('openai-chat', body) // fakeRuntime: no redactor
    redactKeysInPrompts.request!(none)
    expect(none.wasChanged).toBe(false)
  })
})

describe('Redactor.has / replace', () => {
  const r = new Redactor(['abcdefgh-1234', 'short'])
  it('finds whole secrets only; replaces each with the marker and counts', () => {
    expect(r.has('x abcdefgh-1234 y')).toBe(true)
    expect(r.has('x abcdefgh-12')).toBe(false) // a trailing start is not a secret
    expect(r.has('short')).toBe(false) // too short to look for in content
    expect(r.replace('a abcdefgh-1234 b abcdefgh-1234', '#')).toEqual({ text: 'a # b #', count: 2 })
    const s = 'nothing abcdefgh-12'
    expect(r.replace(s, '#')).toEqual({ text: s, count: 0 })
    expect(Redactor.none.has('abcdefgh-1234')).toBe(false)
  })
})
