/**
 * Names such as `constructor`, `toString`, `__proto__` and `hasOwnProperty` are
 * ordinary unknown names wherever a client or an upstream may put them: a clear
 * 400 (or ignored where unknown names are ignored), never a 500 or a TypeError.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { loadSettings } from '../../src/config/settings'
import { own, setOwn } from '../../src/hub/own'
import { kindForAnthropicType } from '../../src/protocols/anthropic/errors'
import { errorFromPayload } from '../../src/protocols/gemini/errors'
import { fromGeminiSchema } from '../../src/protocols/gemini/from-gemini-schema'
import { camelizeRequest } from '../../src/protocols/gemini/schema'
import { toGeminiSchema } from '../../src/protocols/gemini/to-gemini-schema'
import { FAKE_ENV, fakeTransport, post } from '../helpers/fake-transport'

const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']
const { transport } = fakeTransport()
const app = createApp({ transport, env: FAKE_ENV })

async function send(path: string, body: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await app.fetch(post(path, body))
  const text = await res.text()
  return { status: res.status, body: JSON.parse(text), text }
}

const user = [{ role: 'user', content: 'hi' }]

describe.each(NAMES)('the name %s', (name) => {
  it('as a content part, item or block type: a 400 naming it, in the client’s protocol', async () => {
    const cases: Array<[string, unknown]> = [
      ['/v1/chat/completions', { model: 'anthropic:c', messages: [{ role: 'user', content: [{ type: name, text: 'x' }] }] }],
      ['/v1/messages', { model: 'openai:c', max_tokens: 5, messages: [{ role: 'user', content: [{ type: name, text: 'x' }] }] }],
      ['/v1/responses', { model: 'anthropic:c', input: [{ type: name, role: 'user', content: 'x' }] }],
      ['/v1/responses', { model: 'anthropic:c', input: [{ role: 'user', content: [{ type: name, text: 'x' }] }] }],
    ]
    for (const [path, body] of cases) {
      const res = await send(path, body)
      expect(res.status, `${path} ${res.text}`).toBe(400)
      expect(res.text).toContain(JSON.stringify(name).slice(1, -1))
    }
  })

  it('as a message role: a 400 naming the field', async () => {
    const chat = await send('/v1/chat/completions', { model: 'anthropic:c', messages: [{ role: name, content: 'x' }] })
    expect(chat.status).toBe(400)
    expect(chat.body.error.message).toContain('messages[0].role')
    const anthropic = await send('/v1/messages', { model: 'openai:c', max_tokens: 5, messages: [{ role: name, content: 'x' }] })
    expect(anthropic.status).toBe(400)
    expect(anthropic.body.error.message).toContain('messages[0].role')
    const gem = await send('/v1beta/models/openai:x:generateContent', { contents: [{ role: name, parts: [{ text: 'x' }] }] })
    expect(gem.status).toBe(400)
    expect(gem.body.error.message).toContain('contents[0].role')
  })

  it('as a tool type: an unknown (provider) tool, left out with a warning', async () => {
    for (const [path, body] of [
      ['/v1/chat/completions', { model: 'anthropic:c', messages: user, tools: [{ type: name, [name === '__proto__' ? 'x' : name]: { name: 'f' } }] }],
      ['/v1/messages', { model: 'openai:c', max_tokens: 5, messages: user, tools: [{ type: name, name: 'x' }] }],
    ] as const) {
      const res = await app.fetch(post(path, body))
      expect(res.status).toBe(200)
      expect(res.headers.get('x-gateway-warnings')).toContain('left out')
    }
  })

  it('as a Gemini thinkingLevel: a 400 naming the field', async () => {
    const res = await send('/v1beta/models/anthropic:c:generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'x' }] }],
      generationConfig: { thinkingConfig: { thinkingLevel: name } },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('generationConfig.thinkingConfig.thinkingLevel')
  })

  it('as a selector parameter, a back end prefix or a model: a 400 that says so', async () => {
    const param = await send('/v1/chat/completions', { model: `openai:gpt-4.1?${name}=1`, messages: user })
    expect(param.status).toBe(400)
    expect(param.body.error.message).toContain(`unknown parameter "${name}"`)
    const prefix = await send('/v1/chat/completions', { model: `${name}:gpt`, messages: user })
    expect(prefix.status).toBe(400)
    expect(prefix.body.error.message).toContain(`Unknown back end "${name}"`)
    const bare = await send('/v1/chat/completions', { model: name, messages: user })
    expect(bare.status).toBe(400)
    expect(bare.body.error.message).toContain(`No back end serves model "${name}"`)
    const gem = await send(`/v1beta/models/${name}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'x' }] }] })
    expect(gem.status).toBe(400)
    expect(gem.body.error.status).toBe('INVALID_ARGUMENT')
  })

  it('as an upstream error type or status: the kind comes from the HTTP status', () => {
    expect(kindForAnthropicType(name, 429)).toBe('rate_limit')
    expect(errorFromPayload({ error: { code: 404, message: 'x', status: name } }, 404)?.kind).toBe('not_found')
  })

  it('as a schema $ref: not resolved to an inherited member', () => {
    const out = toGeminiSchema({ type: 'object', properties: { a: { $ref: `#/${name}` }, b: { $ref: `#/$defs/${name}` } }, $defs: {} })
    expect(out).toEqual({ type: 'object', properties: { a: {}, b: {} } })
  })

  it('as a setting key: an alias pattern like any other; not a discovery service', () => {
    const s = loadSettings({ MODEL_ALIASES: `${name}=openai:gpt-4.1`, OPENAI_API_KEY: 'k' })
    expect(s.aliases).toEqual([{ pattern: name, target: 'openai:gpt-4.1' }])
    const json = loadSettings({ MODEL_ALIASES: `{"${name}":"openai:gpt-4.1"}`, OPENAI_API_KEY: 'k' })
    expect(json.aliases).toEqual([{ pattern: name, target: 'openai:gpt-4.1' }])
    expect(() => loadSettings({ LLM_PROXY_DISCOVERY_PORTS: `${name.toLowerCase().replace(/[^a-z]/g, '') || 'x'}:1` })).toThrow(/LLM_PROXY_DISCOVERY_PORTS/)
  })
})

describe('__proto__ as a key is kept as a key, never sets a prototype', () => {
  const withProto = () => JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>

  it('own and setOwn', () => {
    expect(own({ a: 1 }, 'constructor')).toBeUndefined()
    expect(own({ a: 1 }, 'a')).toBe(1)
    const o: Record<string, unknown> = {}
    setOwn(o, '__proto__', { polluted: true })
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype)
    expect(JSON.stringify(o)).toBe('{"__proto__":{"polluted":true}}')
  })

  it('in a Gemini body being camelised (function args, schemas)', () => {
    const out = camelizeRequest({ generation_config: withProto() }) as Record<string, Record<string, unknown>>
    expect(Object.getPrototypeOf(out.generationConfig)).toBe(Object.prototype)
    expect(JSON.stringify(out)).toBe('{"generationConfig":{"_Proto__":{"polluted":true},"a":1}}')
  })

  it('in a Gemini schema turned into JSON Schema', () => {
    const out = fromGeminiSchema(withProto())
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"a":1}')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
