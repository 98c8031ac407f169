import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { chunk, decodeEvents, encodeEvents, hubRequest, payloads, sse, usageChunk } from './helpers'

const SIGNATURE = 'EqQBCkgIBxABGAIqQJ+/==\u00e9"\\sig'

const ofType = <T extends HubStreamEvent['type']>(events: HubStreamEvent[], type: T) =>
  events.filter((e): e is Extract<HubStreamEvent, { type: T }> => e.type === type)

/** Tool calls as the hub sees them: index → {id, name, arguments}. */
function hubCalls(events: HubStreamEvent[]) {
  const calls: Record<number, { id: string; name: string; arguments: string; ended: boolean }> = {}
  for (const e of events) {
    if (e.type === 'tool_call_start') calls[e.index] = { id: e.id, name: e.name, arguments: '', ended: false }
    if (e.type === 'tool_call_delta') calls[e.index]!.arguments += e.argumentsDelta
    if (e.type === 'tool_call_end') calls[e.index]!.ended = true
  }
  return calls
}

function checkContract(events: HubStreamEvent[]) {
  expect(events[0]!.type).toBe('start')
  expect(ofType(events, 'start')).toHaveLength(1)
  const last = events.at(-1)!
  expect(['finish', 'error']).toContain(last.type)
  expect(events.filter((e) => e.type === 'finish' || e.type === 'error')).toHaveLength(1)
}

describe('decodeStream tool calls', () => {
  it('sequential calls at indexes 0 and 1', async () => {
    const events = await decodeEvents(
      sse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"a.txt"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'read', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{"path":"b.txt"}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    )
    checkContract(events)
    expect(hubCalls(events)).toEqual({
      0: { id: 'call_a', name: 'read', arguments: '{"path":"a.txt"}', ended: true },
      1: { id: 'call_b', name: 'read', arguments: '{"path":"b.txt"}', ended: true },
    })
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' })
  })

  it('every call at index 0 with distinct ids still yields separate calls', async () => {
    const events = await decodeEvents(
      sse([
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'a', arguments: '{"x":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_2', type: 'function', function: { name: 'b', arguments: '{"y":2}' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_3', type: 'function', function: { name: 'c', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    )
    checkContract(events)
    expect(hubCalls(events)).toEqual({
      0: { id: 'call_1', name: 'a', arguments: '{"x":1}', ended: true },
      1: { id: 'call_2', name: 'b', arguments: '{"y":2}', ended: true },
      2: { id: 'call_3', name: 'c', arguments: '{}', ended: true },
    })
    // The first call ends before the second starts.
    const order = events.map((e) => ('index' in e ? `${e.type}:${e.index}` : e.type))
    expect(order.indexOf('tool_call_end:0')).toBeLessThan(order.indexOf('tool_call_start:1'))
  })

  it('a whole tool call in one chunk after text → start + one delta', async () => {
    const events = await decodeEvents(
      sse([
        chunk({ role: 'assistant', content: 'Let me look.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_w', type: 'function', function: { name: 'ls', arguments: '{"dir":"."}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    )
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'text_delta',
      'tool_call_start',
      'tool_call_delta',
      'tool_call_end',
      'finish',
    ])
    expect(events[3]).toEqual({ type: 'tool_call_delta', index: 0, argumentsDelta: '{"dir":"."}' })
  })

  it('a repeated id at the same index continues the same call', async () => {
    const events = await decodeEvents(
      sse([
        chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'a', arguments: '{"x"' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { arguments: ':1}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    )
    expect(hubCalls(events)).toEqual({ 0: { id: 'call_1', name: 'a', arguments: '{"x":1}', ended: true } })
  })

  it('tool calls with finish_reason stop finish as tool_calls', async () => {
    const events = await decodeEvents(
      sse([chunk({ tool_calls: [{ index: 0, id: 'c', function: { name: 'a', arguments: '{}' } }] }), chunk({}, 'stop')]),
    )
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' })
  })
})

describe('decodeStream usage, reasoning and ends', () => {
  it('a usage chunk with choices: [] after the finish chunk → usage, then finish carries it', async () => {
    const events = await decodeEvents(
      sse([
        chunk({ role: 'assistant', content: 'hi' }),
        chunk({}, 'stop'),
        usageChunk({
          prompt_tokens: 1000,
          completion_tokens: 20,
          total_tokens: 1020,
          prompt_tokens_details: { cached_tokens: 768 },
          completion_tokens_details: { reasoning_tokens: 5 },
        }),
      ]),
    )
    checkContract(events)
    const usage = { inputTokens: 1000, outputTokens: 20, cacheReadTokens: 768, reasoningTokens: 5 }
    expect(ofType(events, 'usage')).toEqual([{ type: 'usage', usage }])
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop', usage })
  })

  it('reasoning_content, reasoning and reasoning_details become thinking (signature kept)', async () => {
    const events = await decodeEvents(
      sse([
        chunk({ role: 'assistant', reasoning_content: 'a' }),
        chunk({ reasoning: 'b' }),
        chunk({ reasoning: 'c', reasoning_details: [{ type: 'reasoning.text', text: 'c', index: 0, format: 'anthropic-claude-v1' }] }),
        chunk({ reasoning_details: [{ type: 'reasoning.text', signature: SIGNATURE, index: 0 }] }),
        chunk({ reasoning_details: [{ type: 'reasoning.encrypted', data: 'ENC', index: 1 }] }),
        chunk({ content: 'done' }),
        chunk({}, 'stop'),
      ]),
    )
    expect(events.slice(1, -1)).toEqual([
      { type: 'thinking_delta', text: 'a' },
      { type: 'thinking_delta', text: 'b' },
      { type: 'thinking_delta', text: 'c' },
      { type: 'thinking_delta', text: '', signature: SIGNATURE },
      { type: 'redacted_thinking', data: 'ENC' },
      { type: 'text_delta', text: 'done' },
    ])
  })

  it('a mid-stream error payload → one error event, nothing after', async () => {
    const events = await decodeEvents(
      sse([
        chunk({ role: 'assistant', content: 'partial' }),
        { error: { message: 'The server had an error while processing your request.', type: 'server_error', code: null } },
        chunk({ content: 'ignored' }),
        chunk({}, 'stop'),
      ]),
    )
    expect(events.map((e) => e.type)).toEqual(['start', 'text_delta', 'error'])
    const err = (events[2] as { error: GatewayError }).error
    expect(err).toBeInstanceOf(GatewayError)
    expect(err.kind).toBe('api_error')
    expect(err.message).toBe('The server had an error while processing your request.')
    expect(err.upstream).toBe(true)
  })

  it("OpenRouter's numeric error code picks the kind", async () => {
    const events = await decodeEvents(sse([chunk({ content: 'x' }), { error: { code: 429, message: 'Rate limited upstream' } }]))
    expect((events.at(-1) as { error: GatewayError }).error.kind).toBe('rate_limit')
  })

  it('a stream that ends without finish_reason or [DONE] → error event', async () => {
    const events = await decodeEvents(sse([chunk({ role: 'assistant', content: 'cut' }), chunk({ content: ' off' })], { done: false }))
    const last = events.at(-1)!
    expect(last.type).toBe('error')
    const err = (last as { error: GatewayError }).error
    expect(err.kind).toBe('bad_gateway')
    expect(err.message).toBe('The upstream stream ended before the response was complete.')
  })

  it('a finish_reason without [DONE] still finishes at the end of the stream', async () => {
    const events = await decodeEvents(sse([chunk({ content: 'x' }), chunk({}, 'length')], { done: false }))
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'length' })
  })

  it('[DONE] ends the stream cleanly even without a finish_reason; [DONE] alone is an error', async () => {
    const events = await decodeEvents(sse([chunk({ content: 'x' })]))
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' })
    const empty = await decodeEvents(sse([]))
    expect(empty.map((e) => e.type)).toEqual(['error'])
  })

  it('a non-JSON data line → error event, not a crash', async () => {
    const events = await decodeEvents(sse([chunk({ content: 'x' }), 'not json {', chunk({}, 'stop')]))
    expect(events.map((e) => e.type)).toEqual(['start', 'text_delta', 'error'])
  })

  it('a refusal delta finishes as content_filter', async () => {
    const events = await decodeEvents(sse([chunk({ refusal: "I can't" }), chunk({}, 'stop')]))
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'content_filter' })
    expect(ofType(events, 'text_delta')).toEqual([{ type: 'text_delta', text: "I can't" }])
  })
})

describe('encodeStream', () => {
  const start: HubStreamEvent = { type: 'start', id: 'msg_1', model: 'claude-x', created: 1770000000 }

  it('tool call indexes are stable and one per call, arguments never concatenated across calls', async () => {
    const out = payloads(
      await encodeEvents(
        [
          start,
          { type: 'text_delta', text: 'Reading both.' },
          { type: 'tool_call_start', index: 0, id: 'toolu_a', name: 'read' },
          { type: 'tool_call_start', index: 1, id: 'toolu_b', name: 'read' },
          { type: 'tool_call_delta', index: 0, argumentsDelta: '{"p":' },
          { type: 'tool_call_delta', index: 1, argumentsDelta: '{"p":"b"}' },
          { type: 'tool_call_delta', index: 0, argumentsDelta: '"a"}' },
          { type: 'tool_call_end', index: 0 },
          { type: 'tool_call_end', index: 1 },
          { type: 'finish', reason: 'tool_calls' },
        ],
        hubRequest({ stream: true }),
      ),
    )
    const toolDeltas = out.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? [])
    expect(toolDeltas).toEqual([
      { index: 0, id: 'toolu_a', type: 'function', function: { name: 'read', arguments: '' } },
      { index: 1, id: 'toolu_b', type: 'function', function: { name: 'read', arguments: '' } },
      { index: 0, function: { arguments: '{"p":' } },
      { index: 1, function: { arguments: '{"p":"b"}' } },
      { index: 0, function: { arguments: '"a"}' } },
    ])
    expect(out.at(-1).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' })
    // One id for every chunk, in Chat Completions style (the upstream's msg_1 is Anthropic's).
    expect(out[0].id).toMatch(/^chatcmpl-/)
    expect(out.every((c) => c.id === out[0].id && c.model === 'claude-x' && c.created === 1770000000)).toBe(true)
  })

  it('first chunk has role assistant even without a start event', async () => {
    const out = payloads(await encodeEvents([{ type: 'text_delta', text: 'hi' }, { type: 'finish', reason: 'stop' }], hubRequest()))
    expect(out[0].choices[0].delta).toEqual({ role: 'assistant', content: '' })
    expect(out[0].id).toMatch(/^chatcmpl-/)
    expect(out[1].choices[0].delta).toEqual({ content: 'hi' })
  })

  it('include_usage honoured: usage chunk with choices: [] only when asked, prompt_tokens not double counted', async () => {
    const usage = { inputTokens: 5000, outputTokens: 40, cacheReadTokens: 4096, cacheWriteTokens: 100, reasoningTokens: 10 }
    const events: HubStreamEvent[] = [start, { type: 'text_delta', text: 'x' }, { type: 'usage', usage }, { type: 'finish', reason: 'stop', usage }]
    const withUsage = await encodeEvents(events, hubRequest({ stream: true, streamUsage: true }))
    const sent = payloads(withUsage)
    const last = sent.at(-1)
    expect(last.choices).toEqual([])
    expect(last.usage).toEqual({
      prompt_tokens: 5000,
      completion_tokens: 40,
      total_tokens: 5040,
      prompt_tokens_details: { cached_tokens: 4096 },
      completion_tokens_details: { reasoning_tokens: 10 },
    })
    expect(withUsage.at(-1)!.data).toBe('[DONE]')

    const without = await encodeEvents(events, hubRequest({ stream: true, streamUsage: false }))
    expect(payloads(without).some((c) => c.usage)).toBe(false)
    expect(without.at(-1)!.data).toBe('[DONE]')
  })

  it('thinking → reasoning_content, signature → reasoning_details, redacted → reasoning.encrypted', async () => {
    const out = payloads(
      await encodeEvents(
        [
          start,
          { type: 'thinking_delta', text: 'hmm' },
          { type: 'thinking_delta', text: '', signature: SIGNATURE },
          { type: 'redacted_thinking', data: 'ENC' },
          { type: 'text_delta', text: 'ok' },
          { type: 'finish', reason: 'stop' },
        ],
        hubRequest(),
      ),
    )
    expect(out.slice(1, 4).map((c) => c.choices[0].delta)).toEqual([
      { reasoning_content: 'hmm' },
      { reasoning_details: [{ type: 'reasoning.text', text: '', signature: SIGNATURE, format: 'anthropic-claude-v1', index: 0 }] },
      { reasoning_details: [{ type: 'reasoning.encrypted', data: 'ENC', format: 'anthropic-claude-v1', index: 1 }] },
    ])
  })

  it('error → one error frame, no [DONE]; events after finish or error are ignored', async () => {
    const errOut = await encodeEvents(
      [start, { type: 'text_delta', text: 'x' }, { type: 'error', error: new GatewayError('overloaded', 'busy') }, { type: 'text_delta', text: 'late' }],
      hubRequest(),
    )
    expect(errOut.some((e) => e.data === '[DONE]')).toBe(false)
    expect(JSON.parse(errOut.at(-1)!.data)).toEqual({
      error: { message: 'busy', type: 'service_unavailable_error', param: null, code: 'server_is_overloaded' },
    })

    const finOut = await encodeEvents([start, { type: 'finish', reason: 'stop' }, { type: 'text_delta', text: 'late' }], hubRequest())
    expect(finOut.at(-1)!.data).toBe('[DONE]')
    expect(finOut.filter((e) => e.data.includes('late'))).toHaveLength(0)
  })
})

describe('decodeStream → encodeStream', () => {
  it('a thinking signature survives byte for byte', async () => {
    const upstream = sse([
      chunk({ role: 'assistant', reasoning_details: [{ type: 'reasoning.text', text: 'think', index: 0 }] }),
      chunk({ reasoning_details: [{ type: 'reasoning.text', text: '', signature: SIGNATURE, index: 0 }] }),
      chunk({ content: 'answer' }),
      chunk({}, 'stop'),
    ])
    const out = await encodeEvents(await decodeEvents(upstream), hubRequest({ stream: true }))
    const raw = out.map((e) => e.data).join('\n')
    const details = payloads(out).flatMap((c) => c.choices[0]?.delta?.reasoning_details ?? [])
    expect(details).toEqual([{ type: 'reasoning.text', text: '', signature: SIGNATURE, format: 'anthropic-claude-v1', index: 0 }])
    expect(raw).toContain(JSON.stringify(SIGNATURE))
    expect(payloads(out).map((c) => c.choices[0]?.delta?.reasoning_content ?? '').join('')).toBe('think')
  })

  it('multiple tool calls at index 0 reach the client as separate indexes with correct arguments', async () => {
    const upstream = sse([
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'a', arguments: '{"x":1}' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_2', function: { name: 'b', arguments: '{"y":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '2}' } }] }),
      chunk({}, 'tool_calls'),
    ])
    const out = payloads(await encodeEvents(await decodeEvents(upstream), hubRequest({ stream: true })))
    const byIndex: Record<number, { id?: string; args: string }> = {}
    for (const tc of out.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? [])) {
      const e = (byIndex[tc.index] ??= { args: '' })
      if (tc.id) e.id = tc.id
      e.args += tc.function.arguments
    }
    expect(byIndex).toEqual({ 0: { id: 'call_1', args: '{"x":1}' }, 1: { id: 'call_2', args: '{"y":2}' } })
  })
})
