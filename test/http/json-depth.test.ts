/**
 * Deep nesting: a request body nesting deeper than MAX_JSON_DEPTH (in any field)
 * is a 400 in the client's protocol, checked once right after parsing; an
 * upstream answer nesting absurdly deep is a 502 (or an error event mid-stream),
 * never a RangeError.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/http/json-depth'
import type { UpstreamRequest } from '../../src/upstream/transport'
import { FAKE_ENV, fakeTransport, post } from '../helpers/fake-transport'

const DEEP = 10_000
/** `levels` nested arrays and objects, as text (built without recursion). */
const nested = (levels: number) => '{"a":'.repeat(levels / 2) + '['.repeat(levels / 2) + ']'.repeat(levels / 2) + '}'.repeat(levels / 2)
/** A body whose `"@"` placeholder becomes `levels` of nesting. */
const withDeep = (body: unknown, levels = DEEP) => JSON.stringify(body).replace('"@"', nested(levels))

describe('nestsDeeperThan', () => {
  it('counts each object and array as one level, at any depth, without recursion', () => {
    expect(nestsDeeperThan(JSON.parse(nested(MAX_JSON_DEPTH)))).toBe(false)
    expect(nestsDeeperThan(JSON.parse(nested(MAX_JSON_DEPTH + 2)))).toBe(true)
    expect(nestsDeeperThan(JSON.parse(nested(1_000_000)))).toBe(true)
    expect(nestsDeeperThan({ a: [1, 'x', null, { b: [] }] }, 4)).toBe(false)
    expect(nestsDeeperThan({ a: [1, 'x', null, { b: [[]] }] }, 4)).toBe(true)
    expect(nestsDeeperThan(JSON.parse('{"__proto__":{"a":{"b":{}}}}'), 3)).toBe(true)
    expect(nestsDeeperThan('text')).toBe(false)
    expect(nestsDeeperThan({ wide: Array.from({ length: 10_000 }, () => ({ x: [1] })) })).toBe(false)
  })
})

const { transport } = fakeTransport()
const app = createApp({ transport, env: FAKE_ENV })

describe('a deeply nested request is a 400 in the client’s protocol, wherever the nesting is', () => {
  const cases: Array<[string, string, unknown]> = [
    ['chat → anthropic, tool schema', '/v1/chat/completions', { model: 'anthropic:c', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: '@' } }] }],
    ['chat → gemini, tool arguments', '/v1/chat/completions', { model: 'gemini:g', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c', content: '@' }] }],
    ['chat → openai (pass-through), metadata', '/v1/chat/completions', { model: 'openai:gpt-4.1', messages: [{ role: 'user', content: 'hi' }], metadata: '@' }],
    ['anthropic → openai, tool_use input', '/v1/messages', { model: 'openai:c', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: '@' }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] }] }],
    ['anthropic → anthropic (pass-through), content', '/v1/messages', { model: 'anthropic:c', max_tokens: 5, messages: [{ role: 'user', content: '@' }] }],
    ['anthropic count_tokens', '/v1/messages/count_tokens', { model: 'openai:c', messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'f', input_schema: '@' }] }],
    ['responses → gemini, metadata', '/v1/responses', { model: 'gemini:g', input: 'hi', metadata: '@' }],
    ['gemini → openai, function args', '/v1beta/models/openai:x:generateContent', { contents: [{ role: 'model', parts: [{ functionCall: { name: 'f', args: '@' } }] }, { role: 'user', parts: [{ text: 'hi' }] }] }],
    ['gemini countTokens', '/v1beta/models/gemini:x:countTokens', { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], extra: '@' }],
  ]
  for (const [name, path, body] of cases)
    it(name, async () => {
      const res = await app.fetch(post(path, withDeep(body)))
      expect(res.status).toBe(400)
      const err = await res.json()
      const message: string = err.error.message
      expect(message).toContain(`nests deeper than ${MAX_JSON_DEPTH} levels`)
      if (path.startsWith('/v1beta/')) expect(err).toEqual({ error: { code: 400, message, status: 'INVALID_ARGUMENT' } })
      else if (path.startsWith('/v1/messages')) expect(err).toEqual({ type: 'error', error: { type: 'invalid_request_error', message } })
      else expect(err.error).toEqual({ message, type: 'invalid_request_error', param: null, code: null })
    })

  it('nesting up to the limit is translated as usual', async () => {
    const args = JSON.parse(nested(MAX_JSON_DEPTH - 8))
    for (const model of ['anthropic:c', 'gemini:g', 'openai-responses:r']) {
      const res = await app.fetch(
        post('/v1/chat/completions', {
          model,
          messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: JSON.stringify(args) } }] }, { role: 'tool', tool_call_id: 'c', content: 'ok' }],
          tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
        }),
      )
      expect(res.status, model).toBe(200)
    }
  })
})

describe('an upstream answer nested absurdly deep', () => {
  const deepAnswers = (req: UpstreamRequest) => {
    const path = new URL(req.url).pathname
    const stream = req.body?.includes('"stream":true') || path.endsWith(':streamGenerateContent')
    if (path.endsWith('/v1/messages') && !stream)
      return new Response(withDeep({ id: 'm', type: 'message', role: 'assistant', model: 'c', content: [{ type: 'tool_use', id: 't', name: 'f', input: '@' }], stop_reason: 'tool_use', usage: { input_tokens: 1, output_tokens: 1 } }), { headers: { 'content-type': 'application/json' } })
    if (path.endsWith(':generateContent'))
      return new Response(withDeep({ candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: '@' } }] }, finishReason: 'STOP' }] }), { headers: { 'content-type': 'application/json' } })
    if (path.endsWith(':streamGenerateContent'))
      return new Response(`data: ${withDeep({ candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: '@' } }] }, finishReason: 'STOP' }] })}\n\n`, { headers: { 'content-type': 'text/event-stream' } })
    if (path.endsWith('/responses') && !stream)
      return new Response(withDeep({ id: 'r', object: 'response', status: 'completed', model: 'm', output: [{ type: 'function_call', id: 'fc', call_id: 'c', name: 'f', arguments: '{}', status: 'completed', extra: '@' }] }), { headers: { 'content-type': 'application/json' } })
    return undefined
  }
  const deep = createApp({ transport: fakeTransport(deepAnswers).transport, env: FAKE_ENV })

  it('is a 502 when translated', async () => {
    for (const model of ['anthropic:c', 'gemini:g']) {
      const res = await deep.fetch(post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }))
      expect(res.status, model).toBe(502)
      expect((await res.json()).error.message).toContain(`nests deeper than ${MAX_JSON_DEPTH} levels`)
    }
  })

  it('passes through unchanged between the same protocols (its bytes are not walked), stored Responses included', async () => {
    const res = await deep.fetch(post('/v1/responses', { model: 'openai-responses:r', input: 'hi' }))
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toContain(nested(DEEP))
    expect(nestsDeeperThan(JSON.parse(text))).toBe(true)
  })

  it('ends a translated stream with an error event', async () => {
    const res = await deep.fetch(post('/v1/messages', { model: 'gemini:g', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] }))
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).toContain('event: error')
    expect(text).not.toContain('message_stop')
  })
})
