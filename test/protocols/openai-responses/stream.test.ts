import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { openaiResponses } from '../../../src/protocols/openai-responses'
import { readRecordedChunks } from '../../helpers/fixtures'
import { parseSseText } from '../../helpers/streams'
import { decodeEvents, encodeEvents, hubRequest, sse } from './helpers'
import { sdkFinalResponse } from './sdk'

const USAGE = { inputTokens: 120, outputTokens: 40, cacheReadTokens: 100, reasoningTokens: 12 }
const created = (id = 'resp_up') => ({ type: 'response.created', response: { id, model: 'gpt-5-2025', created_at: 1770000000, status: 'in_progress', output: [] } })
const completed = (extra: object = {}) => ({
  type: 'response.completed',
  response: {
    id: 'resp_up',
    status: 'completed',
    output: [],
    usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 16 },
    ...extra,
  },
})

describe('encodeStream', () => {
  const events: HubStreamEvent[] = [
    { type: 'start', id: 'chatcmpl-1', model: 'claude-x', created: 1770000001 },
    { type: 'thinking_delta', text: 'Thinking ', id: 'rs_keep' },
    { type: 'thinking_delta', text: 'hard.', id: 'rs_keep' },
    { type: 'thinking_delta', text: '', signature: 'enc==', format: 'openai-responses-v1', id: 'rs_keep' },
    { type: 'text_delta', text: 'Hello ' },
    { type: 'text_delta', text: 'there.' },
    { type: 'tool_call_start', index: 0, id: 'call_1', name: 'calc' },
    { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":' },
    { type: 'tool_call_delta', index: 0, argumentsDelta: '1}' },
    { type: 'tool_call_end', index: 0 },
    { type: 'usage', usage: USAGE },
    { type: 'finish', reason: 'tool_calls' },
  ]
  const req = hubRequest({ responseId: 'resp_gateway', tools: [{ name: 'calc', parameters: { type: 'object' } }] })

  it('writes the lifecycle of every item, in order, with running sequence numbers', async () => {
    const out = await encodeEvents(events, req)
    expect(out.map((e) => e.event!.replace('response.', ''))).toEqual([
      'created',
      'in_progress',
      'output_item.added',
      'reasoning_summary_part.added',
      'reasoning_summary_text.delta',
      'reasoning_summary_text.delta',
      'reasoning_summary_text.done',
      'reasoning_summary_part.done',
      'output_item.done',
      'output_item.added',
      'content_part.added',
      'output_text.delta',
      'output_text.delta',
      'output_text.done',
      'content_part.done',
      'output_item.done',
      'output_item.added',
      'function_call_arguments.delta',
      'function_call_arguments.delta',
      'function_call_arguments.done',
      'output_item.done',
      'completed',
    ])
    expect(out.map((e) => e.data.sequence_number)).toEqual(out.map((_, i) => i))
    const withResponse = out.filter((e) => e.data.response)
    expect(withResponse.map((e) => e.data.response.id)).toEqual(['resp_gateway', 'resp_gateway', 'resp_gateway'])
    expect(out[0]!.data.response).toMatchObject({ object: 'response', status: 'in_progress', model: 'claude-x', created_at: 1770000001, output: [], usage: null })

    // Deltas name their item and index.
    const added = out.filter((e) => e.event === 'response.output_item.added').map((e) => e.data)
    expect(added.map((a) => a.output_index)).toEqual([0, 1, 2])
    expect(added[0].item).toEqual({ id: 'rs_keep', type: 'reasoning', summary: [], encrypted_content: null })
    expect(added[1].item).toMatchObject({ type: 'message', status: 'in_progress', role: 'assistant', content: [] })
    expect(added[2].item).toMatchObject({ type: 'function_call', status: 'in_progress', call_id: 'call_1', name: 'calc', arguments: '' })
    const textDelta = out.find((e) => e.event === 'response.output_text.delta')!.data
    expect(textDelta).toMatchObject({ item_id: added[1].item.id, output_index: 1, content_index: 0, delta: 'Hello ' })
    const argsDone = out.find((e) => e.event === 'response.function_call_arguments.done')!.data
    expect(argsDone).toMatchObject({ item_id: added[2].item.id, output_index: 2, arguments: '{"a":1}', name: 'calc' })

    const final = out.at(-1)!.data.response
    expect(final.status).toBe('completed')
    expect(final.output).toEqual([
      { id: 'rs_keep', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking hard.' }], encrypted_content: 'enc==' },
      { id: added[1].item.id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello there.', annotations: [] }] },
      { id: added[2].item.id, type: 'function_call', status: 'completed', call_id: 'call_1', name: 'calc', arguments: '{"a":1}' },
    ])
    expect(final.usage).toEqual({
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 40,
      output_tokens_details: { reasoning_tokens: 12 },
      total_tokens: 160,
    })
    expect(final.tools).toEqual([{ type: 'function', name: 'calc', parameters: { type: 'object' }, strict: false }])
  })

  it('is read by the openai SDK into the same response', async () => {
    const { response } = await sdkFinalResponse(events, req)
    expect(response.id).toBe('resp_gateway')
    expect(response.output_text).toBe('Hello there.')
    expect(response.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call'])
    expect(response.output[0]).toMatchObject({ encrypted_content: 'enc==' })
    expect(response.output[2]).toMatchObject({ arguments: '{"a":1}', call_id: 'call_1' })
  })

  it('a new reasoning id, or thinking after a signature, starts a new reasoning item (no id continues the run)', async () => {
    const out = await encodeEvents(
      [
        { type: 'start', id: 'x', model: 'm' },
        { type: 'thinking_delta', text: 'a', id: 'rs_1' },
        { type: 'thinking_delta', text: 'b', id: 'rs_2' },
        { type: 'thinking_delta', text: 'c' },
        { type: 'thinking_delta', text: '', signature: 'sig-c', format: 'anthropic-claude-v1' },
        { type: 'thinking_delta', text: 'd' },
        { type: 'finish', reason: 'stop' },
      ],
      hubRequest(),
    )
    const items = out.at(-1)!.data.response.output
    expect(items.map((o: any) => [o.summary[0]?.text, o.encrypted_content])).toEqual([
      ['a', null],
      ['bc', 'gwsig.anthropic-claude-v1.sig-c'],
      ['d', null],
    ])
    expect(items.map((o: any) => o.id).slice(0, 2)).toEqual(['rs_1', 'rs_2'])
    expect(items[2].id).toMatch(/^rs_/)
  })

  it('tool calls open at the same time each get their own item, and the SDK keeps their arguments apart', async () => {
    const events: HubStreamEvent[] = [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'time' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"tz":"CET"}' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":"Oslo"}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls' },
    ]
    const { response } = await sdkFinalResponse(events, hubRequest())
    expect(response.output).toEqual([
      expect.objectContaining({ type: 'function_call', call_id: 'call_a', arguments: '{"city":"Oslo"}', status: 'completed' }),
      expect.objectContaining({ type: 'function_call', call_id: 'call_b', arguments: '{"tz":"CET"}', status: 'completed' }),
    ])
  })

  it('a custom call from a Responses upstream streams its raw input', async () => {
    const out = await encodeEvents(
      [
        { type: 'start', id: 'x', model: 'm' },
        { type: 'tool_call_start', index: 0, id: 'call_s', name: 'sql', kind: 'custom' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: 'SELECT ' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: '1' },
        { type: 'tool_call_end', index: 0 },
        { type: 'finish', reason: 'tool_calls' },
      ],
      hubRequest(),
    )
    expect(out.filter((e) => e.event === 'response.custom_tool_call_input.delta').map((e) => e.data.delta)).toEqual(['SELECT ', '1'])
    expect(out.at(-1)!.data.response.output[0]).toMatchObject({ type: 'custom_tool_call', call_id: 'call_s', input: 'SELECT 1' })
  })

  it('length and content_filter end in response.incomplete; an error finish in response.failed', async () => {
    const end = async (reason: 'length' | 'content_filter' | 'error') =>
      (await encodeEvents([{ type: 'start', id: 'x', model: 'm' }, { type: 'text_delta', text: 'cut' }, { type: 'finish', reason }], hubRequest())).at(-1)!
    const length = await end('length')
    expect(length.event).toBe('response.incomplete')
    expect(length.data.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })
    expect((await end('content_filter')).data.response.incomplete_details).toEqual({ reason: 'content_filter' })
    const failed = await end('error')
    expect(failed.event).toBe('response.failed')
    expect(failed.data.response.error).toMatchObject({ code: 'server_error' })
  })

  it('an error mid-stream is an error event and response.failed, which the SDK throws', async () => {
    const events: HubStreamEvent[] = [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text_delta', text: 'par' },
      { type: 'error', error: new GatewayError('rate_limit', 'Slow down.') },
      { type: 'text_delta', text: 'ignored' },
    ]
    const out = await encodeEvents(events, hubRequest())
    expect(out.slice(-2).map((e) => e.event)).toEqual(['error', 'response.failed'])
    expect(out.at(-2)!.data).toEqual({
      type: 'error',
      code: 'rate_limit_exceeded',
      message: 'Slow down.',
      param: null,
      sequence_number: out.length - 2,
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Slow down.', param: null },
    })
    expect(out.at(-1)!.data.response).toMatchObject({ status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Slow down.' } })
    await expect(sdkFinalResponse(events, hubRequest())).rejects.toThrow('Slow down.')
  })
})

describe('decodeStream', () => {
  it('a host that renames items on every event: reasoning keeps the id it was announced with', async () => {
    const events = await decodeEvents(sse(readRecordedChunks('openai-responses', 'github-copilot-id-rotation.1.chunks.txt')))
    const thinking = events.filter((e) => e.type === 'thinking_delta') as Array<{ id?: string; text: string }>
    expect(new Set(thinking.map((e) => e.id))).toEqual(new Set(['capture-id-3']))
    expect(thinking.map((e) => e.text).join('')).toBe('**Counting character occurrences**')
    expect(events.at(-1)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { inputTokens: 19, outputTokens: 105, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 44 },
    })
  })

  it('reasoning: summary parts joined by a blank line, then the encrypted content with format and id', async () => {
    const events = await decodeEvents(
      sse([
        created(),
        { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', id: 'rs_9', summary: [] } },
        { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 0, item_id: 'rs_9', delta: 'One.' },
        { type: 'response.reasoning_summary_text.delta', output_index: 0, summary_index: 1, item_id: 'rs_9', delta: 'Two.' },
        { type: 'response.output_item.done', output_index: 0, item: { type: 'reasoning', id: 'rs_9', summary: [{ type: 'summary_text', text: 'One.' }, { type: 'summary_text', text: 'Two.' }], encrypted_content: 'ENC' } },
        completed(),
      ]),
    )
    expect(events).toEqual([
      { type: 'start', id: 'resp_up', model: 'gpt-5-2025', created: 1770000000 },
      { type: 'thinking_delta', text: 'One.', id: 'rs_9' },
      { type: 'thinking_delta', text: '\n\nTwo.', id: 'rs_9' },
      { type: 'thinking_delta', text: '', signature: 'ENC', format: 'openai-responses-v1', id: 'rs_9' },
      { type: 'finish', reason: 'stop', usage: { inputTokens: 10, outputTokens: 6, cacheReadTokens: 4, reasoningTokens: 2 } },
    ])
  })

  it('tool calls whose arguments come only with the finished item, or with no added event at all', async () => {
    const events = await decodeEvents(
      sse([
        created(),
        { type: 'response.output_item.added', output_index: 0, item: { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: '' } },
        { type: 'response.output_item.done', output_index: 0, item: { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'f', arguments: '{"x":1}' } },
        { type: 'response.output_item.done', output_index: 1, item: { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_2', name: 'sql', input: 'SELECT 1' } },
        completed(),
      ]),
    )
    expect(events.slice(1, -1)).toEqual([
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"x":1}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_2', name: 'sql', kind: 'custom' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: 'SELECT 1' },
      { type: 'tool_call_end', index: 1 },
    ])
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' })
  })

  it('response.incomplete is a length finish; a refusal a content_filter finish', async () => {
    const incomplete = await decodeEvents(
      sse([created(), { type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [] } }]),
    )
    expect(incomplete.at(-1)).toEqual({ type: 'finish', reason: 'length' })
    const refused = await decodeEvents(
      sse([
        created(),
        { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: 'm', content: [] } },
        { type: 'response.refusal.delta', output_index: 0, content_index: 0, delta: "I can't help." },
        completed(),
      ]),
    )
    expect(refused.slice(1).map((e) => e.type)).toEqual(['text_delta', 'finish'])
    expect(refused.at(-1)).toMatchObject({ reason: 'content_filter' })
  })

  it('errors: the documented error event, and response.failed on its own', async () => {
    const documented = await decodeEvents(
      sse([created(), { type: 'error', code: 'server_error', message: 'Boom.', param: null, sequence_number: 1 }, completed()]),
    )
    expect(documented.map((e) => e.type)).toEqual(['start', 'error'])
    expect((documented[1] as { error: GatewayError }).error).toMatchObject({ kind: 'api_error', message: 'Boom.', upstream: true })

    const failed = await decodeEvents(
      sse([created(), { type: 'response.failed', response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Too many.' } } }]),
    )
    expect((failed.at(-1) as { error: GatewayError }).error).toMatchObject({ kind: 'rate_limit', message: 'Too many.' })
  })

  it('a stream that only sends the finished response is relayed from its output', async () => {
    const events = await decodeEvents(
      sse([
        created(),
        completed({
          output: [
            { type: 'message', id: 'm', content: [{ type: 'output_text', text: 'All at once.' }] },
            { type: 'function_call', id: 'fc', call_id: 'call_z', name: 'z', arguments: '{}' },
          ],
        }),
      ]),
    )
    expect(events.slice(1).map((e) => e.type)).toEqual(['text_delta', 'tool_call_start', 'tool_call_delta', 'tool_call_end', 'finish'])
    expect(events.at(-1)).toMatchObject({ reason: 'tool_calls' })
  })

  it('nothing is emitted after the finish', async () => {
    const events = await decodeEvents(sse([created(), completed(), created('resp_2'), { type: 'response.output_text.delta', delta: 'late' }]))
    expect(events.map((e) => e.type)).toEqual(['start', 'finish'])
  })
})

describe('errors', () => {
  it('encodeError uses the OpenAI error body; encodeStreamError is an `event: error` frame', () => {
    const err = new GatewayError('invalid_request', 'input[1].call_id: Required', { param: 'input[1].call_id' })
    expect(openaiResponses.encodeError(err)).toEqual({
      status: 400,
      body: { error: { message: 'input[1].call_id: Required', type: 'invalid_request_error', param: 'input[1].call_id', code: null } },
    })
    const [frame] = parseSseText(new TextDecoder().decode(openaiResponses.encodeStreamError(new GatewayError('overloaded', 'Busy.'))))
    expect(frame!.event).toBe('error')
    expect(JSON.parse(frame!.data)).toMatchObject({ type: 'error', code: 'server_is_overloaded', message: 'Busy.', param: null })
  })

  it('decodeError maps an upstream error body to a GatewayError', () => {
    const err = openaiResponses.decodeError(429, JSON.stringify({ error: { message: 'Rate limited', type: 'requests', code: 'rate_limit_exceeded', param: null } }))
    expect(err).toMatchObject({ kind: 'rate_limit', status: 429, message: 'Rate limited', upstream: true })
  })

  it('decodeResponse throws a failed response as its error', () => {
    expect(() =>
      openaiResponses.decodeResponse({ id: 'resp_1', status: 'failed', error: { code: 'server_error', message: 'The model crashed.' }, output: [] }),
    ).toThrow('The model crashed.')
  })

  it('upstreamPath is /responses', () => {
    expect(openaiResponses.upstreamPath('gpt-5', true)).toBe('/responses')
    expect(openaiResponses.id).toBe('openai-responses')
  })
})
