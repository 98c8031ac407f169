import { describe, expect, it } from 'vitest'
import type { HubRequest } from '../../../src/hub/request'
import { anthropic } from '../../../src/protocols/anthropic'
import { finishReasonFromAnthropic, finishReasonToAnthropic } from '../../../src/protocols/anthropic/map-stop-reason'
import { usageFromAnthropic, usageToAnthropic } from '../../../src/protocols/anthropic/usage'

const req: HubRequest = { model: 'm', system: [], messages: [], stream: false }

describe('usage with prompt caching', () => {
  it('counts cached tokens into the hub input total exactly once', () => {
    const hub = anthropic.decodeResponse({
      id: 'msg_1',
      type: 'message',
      model: 'claude',
      content: [{ type: 'text', text: 'x' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 20, cache_read_input_tokens: 1000, cache_creation_input_tokens: 300, output_tokens: 7 },
    })
    expect(hub.usage).toEqual({ inputTokens: 1320, outputTokens: 7, cacheReadTokens: 1000, cacheWriteTokens: 300 })
  })

  it('subtracts cached tokens again on the way out, never going negative', () => {
    const body = anthropic.encodeResponse(
      { id: 'x', model: 'm', content: [], finishReason: 'stop', usage: { inputTokens: 1320, outputTokens: 7, cacheReadTokens: 1000, cacheWriteTokens: 300 } },
      req,
    ) as { usage: unknown }
    expect(body.usage).toEqual({ input_tokens: 20, output_tokens: 7, cache_read_input_tokens: 1000, cache_creation_input_tokens: 300 })
    expect(usageToAnthropic({ inputTokens: 5, outputTokens: 1, cacheReadTokens: 10 }).input_tokens).toBe(0)
  })

  it('round-trips Anthropic usage unchanged', () => {
    const u = { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 5, cache_creation_input_tokens: 6 }
    expect(usageToAnthropic(usageFromAnthropic(u))).toEqual(u)
    expect(usageFromAnthropic({ input_tokens: 3, output_tokens: 4 })).toEqual({ inputTokens: 3, outputTokens: 4 })
  })

  it('maps thinking token details to reasoningTokens', () => {
    expect(usageFromAnthropic({ input_tokens: 1, output_tokens: 50, output_tokens_details: { thinking_tokens: 30 } }).reasoningTokens).toBe(30)
  })
})

describe('stop reasons', () => {
  it('maps Anthropic → hub', () => {
    expect(
      Object.fromEntries(
        ['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', 'pause_turn', 'model_context_window_exceeded', 'something_new'].map(
          (r) => [r, finishReasonFromAnthropic(r)],
        ),
      ),
    ).toEqual({
      end_turn: 'stop',
      stop_sequence: 'stop',
      max_tokens: 'length',
      tool_use: 'tool_calls',
      refusal: 'content_filter',
      pause_turn: 'pause',
      model_context_window_exceeded: 'length',
      something_new: 'other',
    })
  })

  it('maps hub → Anthropic', () => {
    expect(finishReasonToAnthropic('stop')).toBe('end_turn')
    expect(finishReasonToAnthropic('stop', '###')).toBe('stop_sequence')
    expect(finishReasonToAnthropic('length')).toBe('max_tokens')
    expect(finishReasonToAnthropic('tool_calls')).toBe('tool_use')
    expect(finishReasonToAnthropic('content_filter')).toBe('refusal')
    expect(finishReasonToAnthropic('pause')).toBe('pause_turn')
    expect(finishReasonToAnthropic('error')).toBe('end_turn')
    expect(finishReasonToAnthropic('other')).toBe('end_turn')
  })

  it('carries the stop sequence through a response', () => {
    const hub = anthropic.decodeResponse({
      id: 'msg_1',
      type: 'message',
      model: 'm',
      content: [{ type: 'text', text: 'a' }],
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
      usage: { input_tokens: 1, output_tokens: 1 },
    })
    expect(hub).toMatchObject({ finishReason: 'stop', stopSequence: '###' })
    expect(anthropic.encodeResponse(hub, req)).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '###' })
  })

  it('keeps foreign tool call ids in a response', () => {
    const body = anthropic.encodeResponse(
      {
        id: 'chatcmpl-1',
        model: 'gpt',
        content: [
          { type: 'text', text: '' },
          { type: 'tool_call', id: 'call_abc', name: 'f', arguments: '{"a":' },
          { type: 'native', protocol: 'openai-chat', label: 'x', raw: {} },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 1, outputTokens: 1 },
      },
      req,
    ) as { content: unknown[] }
    // Sloppy arguments are repaired; the native part of another protocol is left out.
    expect(body.content).toEqual([{ type: 'tool_use', id: 'call_abc', name: 'f', input: { a: null } }])
  })
})
