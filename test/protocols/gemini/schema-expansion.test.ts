/**
 * Inlining local $refs for Gemini is bounded: a small schema whose definitions
 * fan out (each using the next twice) would expand 2^n-fold, so past
 * MAX_SCHEMA_NODES nodes (for all of a request's schemas) or MAX_REF_DEPTH
 * nested refs the request is a 400 naming the tool, and nothing goes upstream.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../../src/app'
import { MAX_REF_DEPTH, MAX_SCHEMA_NODES, toGeminiSchema } from '../../../src/protocols/gemini/to-gemini-schema'
import { FAKE_ENV, fakeTransport, post } from '../../helpers/fake-transport'

/** ~1.4 KB at 20 levels: definition i uses definition i+1 twice, `levels` deep (2^levels leaves once inlined). */
function fanOut(levels: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = {}
  for (let i = 0; i < levels; i++) $defs[`d${i}`] = { type: 'object', properties: { a: { $ref: `#/$defs/d${i + 1}` }, b: { $ref: `#/$defs/d${i + 1}` } } }
  $defs[`d${levels}`] = { type: 'string' }
  return { type: 'object', properties: { root: { $ref: '#/$defs/d0' } }, $defs }
}

/** d0 → d1 → … → d(n-1), each a distinct definition. */
function chain(n: number): Record<string, unknown> {
  const $defs: Record<string, unknown> = {}
  for (let i = 0; i < n; i++) $defs[`d${i}`] = i === n - 1 ? { type: 'string' } : { type: 'object', properties: { next: { $ref: `#/$defs/d${i + 1}` } } }
  return { type: 'object', properties: { root: { $ref: '#/$defs/d0' } }, $defs }
}

function gateway() {
  const fake = fakeTransport()
  return { app: createApp({ transport: fake.transport, env: FAKE_ENV }), urls: fake.urls }
}

const chat = (tools: unknown[], extra: object = {}) => ({
  model: 'gemini:gemini-2.5-flash',
  messages: [{ role: 'user', content: 'hi' }],
  tools: tools.map((parameters, i) => ({ type: 'function', function: { name: `tool_${i}`, parameters } })),
  ...extra,
})

describe('schema expansion toward Gemini is bounded', () => {
  it('a 1.4 KB fan-out schema is a 400 naming the tool, before anything goes upstream', async () => {
    const schema = fanOut(20)
    expect(JSON.stringify(schema).length).toBeLessThan(2000)
    const { app, urls } = gateway()
    const res = await app.fetch(post('/v1/chat/completions', chat([{ type: 'object', properties: {} }, schema])))
    expect(res.status).toBe(400)
    const { error } = await res.json()
    expect(error.message).toContain('tool "tool_1"')
    expect(urls).toEqual([])
    // 14 levels stay within MAX_REF_DEPTH; the node budget stops them.
    const wide = await app.fetch(post('/v1/chat/completions', chat([fanOut(14)])))
    expect(wide.status).toBe(400)
    expect((await wide.json()).error.message).toContain(`tool "tool_0" is too large for Gemini: with $refs inlined, the request's schemas come to more than ${MAX_SCHEMA_NODES} nodes`)
    expect(urls).toEqual([])
  })

  it('the same through every front end, in its own error shape', async () => {
    const { app, urls } = gateway()
    const schema = fanOut(20)
    const anthropic = await app.fetch(
      post('/v1/messages', { model: 'gemini:g', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'deep', input_schema: schema }] }),
    )
    expect(anthropic.status).toBe(400)
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('tool "deep"') } })
    const responses = await app.fetch(post('/v1/responses', { model: 'gemini:g', input: 'hi', tools: [{ type: 'function', name: 'deep', parameters: schema }] }))
    expect(responses.status).toBe(400)
    expect((await responses.json()).error.message).toContain('tool "deep"')
    expect(urls).toEqual([])
  })

  it('a small fan-out and ordinary $refs still convert', async () => {
    const out = toGeminiSchema(fanOut(3)) as any
    expect(out.properties.root.properties.a.properties.b).toEqual({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } })
    const { app, urls } = gateway()
    expect((await app.fetch(post('/v1/chat/completions', chat([fanOut(8), chain(MAX_REF_DEPTH)])))).status).toBe(200)
    expect(urls).toHaveLength(1)
  })

  it('refs nested deeper than MAX_REF_DEPTH are a 400 naming the tool', () => {
    expect(() => toGeminiSchema(chain(MAX_REF_DEPTH + 2), 'tool "long"')).toThrow(`tool "long" nests more than ${MAX_REF_DEPTH} $refs`)
  })

  it('recursive refs end (self, mutual, and recursive fan-out)', () => {
    const self = { $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } }, $ref: '#/$defs/node' }
    expect(toGeminiSchema(self)).toEqual({ type: 'object', properties: { kids: { type: 'array', items: { type: 'object' } } } })
    // Every definition refers to every other twice: without a budget the paths through them number in the factorials.
    const $defs: Record<string, unknown> = {}
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`)
    for (const n of names) $defs[n] = { type: 'object', properties: Object.fromEntries(names.flatMap((m) => [[`${m}a`, { $ref: `#/$defs/${m}` }], [`${m}b`, { $ref: `#/$defs/${m}` }]])) }
    expect(() => toGeminiSchema({ $defs, $ref: '#/$defs/n0' }, 'tool "web"')).toThrow(/tool "web"/)
  })

  it('one budget for all of a request’s schemas: many medium tools add up', async () => {
    const { app, urls } = gateway()
    const medium = fanOut(11) // ~4,000 nodes each
    const res = await app.fetch(post('/v1/chat/completions', chat([medium, medium, medium, medium, medium, medium])))
    expect(res.status).toBe(400)
    expect((await res.json()).error.message).toMatch(/tool "tool_[1-5]"/)
    expect(urls).toEqual([])
  })

  it('a response_format schema is bounded too', async () => {
    const { app } = gateway()
    const res = await app.fetch(
      post('/v1/chat/completions', {
        model: 'gemini:g',
        messages: [{ role: 'user', content: 'hi' }],
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: fanOut(20) } },
      }),
    )
    expect(res.status).toBe(400)
    expect((await res.json()).error.message).toContain('response_format "answer"')
  })
})
