/**
 * Our SSE, read by the official Anthropic SDK's MessageStream (the code Claude
 * Code and most Anthropic clients run): it must accept every stream we produce.
 */
import Anthropic from '@anthropic-ai/sdk'
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubRequest } from '../../../src/hub/request'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { anthropic } from '../../../src/protocols/anthropic'
import { readRecordedChunks } from '../../helpers/fixtures'
import { streamOf } from '../../helpers/streams'
import { chunksToEvents } from './anthropic-sse'

const req: HubRequest = { model: 'claude-test', system: [], messages: [], stream: true }

async function sdkRead(hub: ReadableStream<HubStreamEvent>) {
  const body = hub.pipeThrough(anthropic.encodeStream(req))
  const client = new Anthropic({
    apiKey: 'test-key',
    maxRetries: 0,
    fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  })
  const stream = client.messages.stream({ model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] })
  return stream.finalMessage()
}

describe('Anthropic SDK reads what encodeStream writes', () => {
  it('interleaved tool calls after text become an SDK message with complete inputs', async () => {
    const message = await sdkRead(
      streamOf<HubStreamEvent>([
        { type: 'start', id: 'chatcmpl-9', model: 'gpt-x', usage: { inputTokens: 120, outputTokens: 0, cacheReadTokens: 100 } },
        { type: 'text_delta', text: 'Checking both.' },
        { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
        { type: 'tool_call_start', index: 1, id: 'call_b', name: 'time' },
        { type: 'tool_call_delta', index: 1, argumentsDelta: '{"tz":"CET"}' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":"Oslo"}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'tool_call_end', index: 1 },
        { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 120, outputTokens: 30, cacheReadTokens: 100 } },
      ]),
    )
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Checking both.' }),
      expect.objectContaining({ type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Oslo' } }),
      expect.objectContaining({ type: 'tool_use', id: 'call_b', name: 'time', input: { tz: 'CET' } }),
    ])
    expect(message.stop_reason).toBe('tool_use')
    expect(message.usage).toMatchObject({ input_tokens: 20, output_tokens: 30, cache_read_input_tokens: 100 })
  })

  it('a recorded thinking stream, relayed through the hub, keeps its signature in the SDK message', async () => {
    const lines = readRecordedChunks('anthropic', 'anthropic-clear-thinking.1.chunks.txt')
    const hub = streamOf(chunksToEvents(lines)).pipeThrough(anthropic.decodeStream())
    const message = await sdkRead(hub)
    const original = lines.map((l) => JSON.parse(l)).find((p) => p.delta?.type === 'signature_delta').delta.signature
    expect(message.content[0]).toMatchObject({ type: 'thinking', signature: original })
    expect(message.content[1]).toMatchObject({ type: 'text', text: '925 ÷ 5 = 185' })
  })

  it('an upstream error mid-stream surfaces as an SDK error of the right type', async () => {
    await expect(
      sdkRead(
        streamOf<HubStreamEvent>([
          { type: 'start', id: 'msg_1', model: 'm' },
          { type: 'text_delta', text: 'par' },
          { type: 'error', error: new GatewayError('overloaded', 'Overloaded') },
        ]),
      ),
    ).rejects.toThrow(/overloaded_error|Overloaded/)
  })
})
