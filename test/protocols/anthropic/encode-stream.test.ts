import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubRequest } from '../../../src/hub/request'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { encodeStream } from '../../../src/protocols/anthropic/encode-stream'
import { runTransform, sseBytesToEvents } from '../../helpers/streams'
import { rebuild } from './anthropic-sse'

const req: HubRequest = { model: 'gpt-like:model', system: [], messages: [], stream: true }
const start: HubStreamEvent = { type: 'start', id: 'chatcmpl-1', model: 'up-model' }
const finish = (reason: 'stop' | 'tool_calls' = 'tool_calls'): HubStreamEvent => ({
  type: 'finish',
  reason,
  usage: { inputTokens: 10, outputTokens: 5 },
})

async function encode(events: HubStreamEvent[]) {
  const sse = await sseBytesToEvents(await runTransform(events, encodeStream(req)))
  return { sse, types: sse.map((e) => e.event), rebuilt: rebuild(sse, true) }
}

describe('encodeStream (hub → Anthropic SSE)', () => {
  it('sends message_start before every block when the first event after start is a tool call', async () => {
    const { types, rebuilt } = await encode([
      start,
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool_call_end', index: 0 },
      finish(),
    ])
    expect(types[0]).toBe('message_start')
    expect(types.indexOf('content_block_start')).toBeGreaterThan(0)
    expect(rebuilt.tools).toEqual([{ id: 'call_1', name: 'get_weather', input: { city: 'Paris' }, rawJson: '{"city":"Paris"}' }])
    expect(rebuilt.stopReason).toBe('tool_use')
  })

  it('still sends message_start first when no start event came at all', async () => {
    const { sse, types } = await encode([
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{}' },
      { type: 'tool_call_end', index: 0 },
      finish(),
    ])
    expect(types[0]).toBe('message_start')
    const message = JSON.parse(sse[0]!.data).message
    expect(message.model).toBe('gpt-like:model')
    expect(message.id).toMatch(/^msg_/)
  })

  it('loses nothing when a text block is followed by a chunk holding a whole tool call', async () => {
    const { types, rebuilt } = await encode([
      start,
      { type: 'text_delta', text: 'Let me check.' },
      { type: 'tool_call_start', index: 0, id: 'call_1', name: 'lookup' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"q":"x"}' },
      { type: 'tool_call_end', index: 0 },
      finish(),
    ])
    expect(rebuilt.text).toBe('Let me check.')
    expect(rebuilt.blockTypes).toEqual(['text', 'tool_use'])
    expect(rebuilt.tools[0]?.input).toEqual({ q: 'x' })
    expect(types.slice(0, 2)).toEqual(['message_start', 'ping'])
  })

  it('turns two interleaved tool calls into two sequential tool_use blocks with complete arguments', async () => {
    const { sse, rebuilt } = await encode([
      start,
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'a' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"x":' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"y":' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '"two"}' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '1}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'tool_call_end', index: 0 },
      finish(),
    ])
    expect(rebuilt.tools).toEqual([
      { id: 'call_a', name: 'a', input: { x: 1 }, rawJson: '{"x":1}' },
      { id: 'call_b', name: 'b', input: { y: 'two' }, rawJson: '{"y":"two"}' },
    ])
    // The waiting call's buffered arguments went out as one delta.
    const deltasForB = sse.filter((e) => e.event === 'content_block_delta' && JSON.parse(e.data).index === 1)
    expect(deltasForB).toHaveLength(1)
  })

  it('holds text that arrives while a tool call is open until the call ends', async () => {
    const { rebuilt } = await encode([
      start,
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'a' },
      { type: 'text_delta', text: 'late ' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"k":true}' },
      { type: 'text_delta', text: 'text' },
      { type: 'tool_call_end', index: 0 },
      finish(),
    ])
    expect(rebuilt.blockTypes).toEqual(['tool_use', 'text'])
    expect(rebuilt.text).toBe('late text')
    expect(rebuilt.tools[0]?.input).toEqual({ k: true })
  })

  it('closes tool calls that never ended at finish, and opens the waiting ones', async () => {
    const { rebuilt } = await encode([
      start,
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'a' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'b' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"b":2}' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":1}' },
      finish(),
    ])
    expect(rebuilt.tools.map((t) => t.input)).toEqual([{ a: 1 }, { b: 2 }])
    expect(rebuilt.last).toBe('message_stop')
  })

  it('sends thinking, then one signature_delta, then text in separate blocks', async () => {
    const signature = 'EqQBCkgIARABGAIiQL+/sig==\n'
    const { sse, rebuilt } = await encode([
      start,
      { type: 'thinking_delta', text: 'Hmm. ' },
      { type: 'thinking_delta', text: 'Yes.' },
      { type: 'thinking_delta', text: '', signature: signature.slice(0, 10) },
      { type: 'thinking_delta', text: '', signature: signature.slice(10) },
      { type: 'text_delta', text: 'Answer' },
      finish('stop'),
    ])
    expect(rebuilt.blockTypes).toEqual(['thinking', 'text'])
    expect(rebuilt.thinking).toBe('Hmm. Yes.')
    expect(rebuilt.signatures).toEqual([signature])
    expect(sse.filter((e) => e.data.includes('signature_delta'))).toHaveLength(1)
    expect(JSON.parse(sse.find((e) => e.event === 'content_block_start')!.data).content_block).toEqual({
      type: 'thinking',
      thinking: '',
      signature: '',
    })
  })

  it('opens a thinking block for a signature alone (thinking display omitted)', async () => {
    const { rebuilt } = await encode([start, { type: 'thinking_delta', text: '', signature: 'sig' }, finish('stop')])
    expect(rebuilt.blockTypes).toEqual(['thinking'])
    expect(rebuilt.signatures).toEqual(['sig'])
  })

  it('emits redacted thinking as its own block', async () => {
    const { rebuilt } = await encode([start, { type: 'redacted_thinking', data: 'opaque' }, { type: 'text_delta', text: 'hi' }, finish('stop')])
    expect(rebuilt.blockTypes).toEqual(['redacted_thinking', 'text'])
    expect(rebuilt.redacted).toEqual(['opaque'])
  })

  it('reports cached usage without double counting, in message_start and message_delta', async () => {
    const { sse } = await encode([
      { type: 'start', id: 'msg_1', model: 'm', usage: { inputTokens: 1000, outputTokens: 1, cacheReadTokens: 800, cacheWriteTokens: 150 } },
      { type: 'text_delta', text: 'x' },
      { type: 'usage', usage: { inputTokens: 1000, outputTokens: 42, cacheReadTokens: 800, cacheWriteTokens: 150 } },
      { type: 'finish', reason: 'stop' },
    ])
    expect(JSON.parse(sse[0]!.data).message.usage).toEqual({
      input_tokens: 50,
      output_tokens: 1,
      cache_read_input_tokens: 800,
      cache_creation_input_tokens: 150,
    })
    const delta = JSON.parse(sse.find((e) => e.event === 'message_delta')!.data)
    expect(delta).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 50, output_tokens: 42, cache_read_input_tokens: 800, cache_creation_input_tokens: 150 },
    })
  })

  it('reports a stop sequence as stop_sequence', async () => {
    const { rebuilt } = await encode([start, { type: 'text_delta', text: 'a' }, { type: 'finish', reason: 'stop', stopSequence: 'END' }])
    expect(rebuilt.stopReason).toBe('stop_sequence')
    expect(rebuilt.stopSequence).toBe('END')
  })

  it('ends with an error event on error, and ignores anything after', async () => {
    const { sse } = await encode([
      start,
      { type: 'text_delta', text: 'partial' },
      { type: 'error', error: new GatewayError('overloaded', 'Overloaded') },
      { type: 'text_delta', text: 'ignored' },
      finish('stop'),
    ])
    expect(sse.at(-1)!.event).toBe('error')
    expect(JSON.parse(sse.at(-1)!.data)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
    expect(sse.some((e) => e.data.includes('ignored'))).toBe(false)
    expect(sse.some((e) => e.event === 'message_stop')).toBe(false)
  })

  it('ignores events after finish', async () => {
    const { sse } = await encode([start, { type: 'text_delta', text: 'a' }, finish('stop'), { type: 'text_delta', text: 'b' }])
    expect(sse.at(-1)!.event).toBe('message_stop')
    expect(sse.filter((e) => e.event === 'message_stop')).toHaveLength(1)
  })

  it('ends with an error frame when the hub stream stops without finish', async () => {
    const { sse } = await encode([start, { type: 'text_delta', text: 'a' }])
    expect(sse.at(-1)!.event).toBe('error')
  })
})
