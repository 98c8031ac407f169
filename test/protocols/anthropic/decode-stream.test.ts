import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { decodeStream } from '../../../src/protocols/anthropic/decode-stream'
import type { SseEvent } from '../../../src/sse/parse'
import { runTransform } from '../../helpers/streams'

const sse = (payload: Record<string, unknown>): SseEvent => ({ event: String(payload.type), data: JSON.stringify(payload) })
const messageStart = (usage: Record<string, number> = { input_tokens: 10, output_tokens: 1 }) =>
  sse({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', content: [], usage } })
const decode = (events: SseEvent[]) => runTransform(events, decodeStream())

describe('decodeStream (Anthropic SSE → hub)', () => {
  it('maps text, thinking, signature, redacted thinking and tool blocks', async () => {
    const out = await decode([
      messageStart(),
      sse({ type: 'ping' }),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'think' } }),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'SIG/+=' } }),
      sse({ type: 'content_block_stop', index: 0 }),
      sse({ type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'opaque' } }),
      sse({ type: 'content_block_stop', index: 1 }),
      sse({ type: 'content_block_start', index: 2, content_block: { type: 'text', text: 'Hi' } }),
      sse({ type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: ' there' } }),
      sse({ type: 'content_block_stop', index: 2 }),
      sse({ type: 'content_block_start', index: 3, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } }),
      sse({ type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' } }),
      sse({ type: 'content_block_stop', index: 3 }),
      sse({ type: 'content_block_start', index: 4, content_block: { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] } }),
      sse({ type: 'content_block_stop', index: 4 }),
      sse({ type: 'content_block_start', index: 5, content_block: { type: 'tool_use', id: 'toolu_a', name: 'a', input: {} } }),
      sse({ type: 'content_block_delta', index: 5, delta: { type: 'input_json_delta', partial_json: '{"x":' } }),
      sse({ type: 'content_block_delta', index: 5, delta: { type: 'input_json_delta', partial_json: '1}' } }),
      sse({ type: 'content_block_stop', index: 5 }),
      sse({ type: 'content_block_start', index: 6, content_block: { type: 'tool_use', id: 'toolu_b', name: 'b', input: {} } }),
      sse({ type: 'content_block_stop', index: 6 }),
      sse({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }),
      sse({ type: 'message_stop' }),
    ])
    expect(out).toEqual([
      { type: 'start', id: 'msg_1', model: 'claude-x', usage: { inputTokens: 10, outputTokens: 1 } },
      { type: 'thinking_delta', text: 'think' },
      { type: 'thinking_delta', text: '', signature: 'SIG/+=', format: 'anthropic-claude-v1' },
      { type: 'redacted_thinking', data: 'opaque', format: 'anthropic-claude-v1' },
      { type: 'text_delta', text: 'Hi' },
      { type: 'text_delta', text: ' there' },
      // The server tool's input is not a client tool call; tool indexes count tool_use blocks only.
      { type: 'tool_call_start', index: 0, id: 'toolu_a', name: 'a' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"x":' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '1}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'toolu_b', name: 'b' },
      { type: 'tool_call_end', index: 1 },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 30 } },
      { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 30 } },
    ])
  })

  it('treats message_delta usage as cumulative totals, updating input and cache counters when present', async () => {
    const out = await decode([
      messageStart({ input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 }),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } }),
      sse({ type: 'message_delta', delta: {}, usage: { output_tokens: 7 } }),
      sse({ type: 'content_block_stop', index: 0 }),
      sse({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 12, input_tokens: 6 } }),
      sse({ type: 'message_stop' }),
    ])
    const usages = out.filter((e) => e.type === 'usage').map((e) => (e as { usage: unknown }).usage)
    expect(usages).toEqual([
      { inputTokens: 125, outputTokens: 7, cacheReadTokens: 100, cacheWriteTokens: 20 },
      { inputTokens: 126, outputTokens: 12, cacheReadTokens: 100, cacheWriteTokens: 20 },
    ])
    expect(out.at(-1)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { inputTokens: 126, outputTokens: 12, cacheReadTokens: 100, cacheWriteTokens: 20 },
    })
  })

  it('passes the stop sequence on', async () => {
    const out = await decode([
      messageStart(),
      sse({ type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: '###' }, usage: { output_tokens: 3 } }),
      sse({ type: 'message_stop' }),
    ])
    expect(out.at(-1)).toMatchObject({ type: 'finish', reason: 'stop', stopSequence: '###' })
  })

  it('turns an error event into a GatewayError of the matching kind', async () => {
    const out = await decode([
      messageStart(),
      sse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      sse({ type: 'message_stop' }),
    ])
    expect(out).toHaveLength(2)
    const err = (out[1] as Extract<HubStreamEvent, { type: 'error' }>).error
    expect(err).toBeInstanceOf(GatewayError)
    expect(err.kind).toBe('overloaded')
    expect(err.message).toBe('Overloaded')
    expect(err.upstream).toBe(true)
  })

  it('reports a stream that ends before message_stop as a bad_gateway error', async () => {
    const out = await decode([
      messageStart(),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'cut' } }),
    ])
    const last = out.at(-1) as Extract<HubStreamEvent, { type: 'error' }>
    expect(last.type).toBe('error')
    expect(last.error.kind).toBe('bad_gateway')
    expect(last.error.message).toBe('The upstream stream ended before the response was complete.')
  })

  it('adds nothing after an upstream error when the input then ends', async () => {
    const out = await decode([messageStart(), sse({ type: 'error', error: { type: 'api_error', message: 'boom' } })])
    expect(out.filter((e) => e.type === 'error')).toHaveLength(1)
  })

  it('reports an event that is not JSON', async () => {
    const out = await decode([messageStart(), { event: 'content_block_delta', data: '{not json' }])
    expect(out.at(-1)).toMatchObject({ type: 'error' })
    expect(out.filter((e) => e.type === 'error')).toHaveLength(1)
  })

  it('emits a tool input that arrives already filled in content_block_start', async () => {
    const out = await decode([
      messageStart(),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'f', input: { a: [1] } } }),
      sse({ type: 'content_block_stop', index: 0 }),
      sse({ type: 'message_stop' }),
    ])
    expect(out.slice(1, 4)).toEqual([
      { type: 'tool_call_start', index: 0, id: 't', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":[1]}' },
      { type: 'tool_call_end', index: 0 },
    ])
  })
})
