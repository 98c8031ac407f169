import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubResponse } from '../../../src/hub/response'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { fromOpenAIFinishReason, toOpenAIFinishReason } from '../../../src/protocols/openai-chat/map-finish-reason'
import { hubRequest } from './helpers'

const SIGNATURE = 'EqQBCkgIBxABGAIqQJ+/==\u00e9"\\sig'

function completion(message: object, finish_reason = 'stop', usage?: object) {
  return {
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    created: 1770000000,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason }],
    ...(usage ? { usage } : {}),
  }
}

describe('decodeResponse', () => {
  it('maps reasoning first, then text, then tool calls', () => {
    const res = openaiChat.decodeResponse(
      completion(
        {
          content: 'Let me check.',
          reasoning_content: 'need weather',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
        },
        'tool_calls',
      ),
    )
    expect(res.content).toEqual([
      { type: 'thinking', text: 'need weather' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_call', id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
    ])
    expect(res.finishReason).toBe('tool_calls')
    expect(res).toMatchObject({ id: 'chatcmpl-abc', model: 'gpt-4o-2024-08-06', created: 1770000000 })
  })

  it('reads reasoning_details with signatures in preference to the plain copy', () => {
    const res = openaiChat.decodeResponse(
      completion({
        content: 'ok',
        reasoning: 'thought',
        reasoning_details: [
          { type: 'reasoning.text', text: 'thought', signature: SIGNATURE, format: 'anthropic-claude-v1', index: 0 },
          { type: 'reasoning.encrypted', data: 'ENC', index: 1 },
        ],
      }),
    )
    expect(res.content.slice(0, 2)).toEqual([
      { type: 'thinking', text: 'thought', signature: SIGNATURE, format: 'anthropic-claude-v1' },
      { type: 'redacted_thinking', data: 'ENC' },
    ])
  })

  it('a refusal becomes text and finish content_filter', () => {
    const res = openaiChat.decodeResponse(completion({ content: null, refusal: 'I cannot help with that.' }))
    expect(res.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }])
    expect(res.finishReason).toBe('content_filter')
  })

  it('tool calls with finish_reason stop still finish as tool_calls', () => {
    const res = openaiChat.decodeResponse(
      completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'stop'),
    )
    expect(res.finishReason).toBe('tool_calls')
  })

  it('usage: prompt_tokens (which includes cached) → inputTokens, cached → cacheReadTokens, reasoning tokens kept', () => {
    const res = openaiChat.decodeResponse(
      completion({ content: 'x' }, 'stop', {
        prompt_tokens: 2000,
        completion_tokens: 300,
        total_tokens: 2300,
        prompt_tokens_details: { cached_tokens: 1536 },
        completion_tokens_details: { reasoning_tokens: 128 },
      }),
    )
    expect(res.usage).toEqual({ inputTokens: 2000, outputTokens: 300, cacheReadTokens: 1536, reasoningTokens: 128 })
  })

  it('missing usage → zeros', () => {
    expect(openaiChat.decodeResponse(completion({ content: 'x' })).usage).toEqual({ inputTokens: 0, outputTokens: 0 })
  })

  it('an error body or a body without choices is a GatewayError', () => {
    expect(() => openaiChat.decodeResponse({ error: { message: 'boom', type: 'server_error' } })).toThrow('boom')
    expect(() => openaiChat.decodeResponse({ id: 'x', choices: [] })).toThrow(GatewayError)
  })
})

describe('encodeResponse', () => {
  const res: HubResponse = {
    id: 'msg_01',
    model: 'claude-sonnet-4',
    created: 1770000001,
    content: [
      { type: 'thinking', text: 'hmm', signature: SIGNATURE },
      { type: 'redacted_thinking', data: 'ENC' },
      { type: 'text', text: 'Calling.' },
      { type: 'tool_call', id: 'toolu_1', name: 'f', arguments: '{"a":1}' },
      { type: 'native', protocol: 'anthropic', label: 'content block "server_tool_use"', raw: {} },
    ],
    finishReason: 'tool_calls',
    usage: { inputTokens: 2000, outputTokens: 300, cacheReadTokens: 1500, cacheWriteTokens: 100, reasoningTokens: 50 },
  }

  it('renders a chat.completion with reasoning, tool calls and usage (prompt_tokens not double counted)', () => {
    expect(openaiChat.encodeResponse(res, hubRequest())).toEqual({
      // An Anthropic message id is not a Chat Completions id: the client gets one in its own style.
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{24}$/),
      object: 'chat.completion',
      created: 1770000001,
      model: 'claude-sonnet-4',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Calling.',
            refusal: null,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
            reasoning_content: 'hmm',
            reasoning_details: [
              { type: 'reasoning.text', text: 'hmm', signature: SIGNATURE, format: 'anthropic-claude-v1', index: 0 },
              { type: 'reasoning.encrypted', data: 'ENC', format: 'anthropic-claude-v1', index: 1 },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 2000,
        completion_tokens: 300,
        total_tokens: 2300,
        prompt_tokens_details: { cached_tokens: 1500 },
        completion_tokens_details: { reasoning_tokens: 50 },
      },
    })
  })

  it('content is null when there is no text, and reasoning fields are absent without reasoning', () => {
    const out = openaiChat.encodeResponse(
      { ...res, content: [{ type: 'tool_call', id: 'c', name: 'f', arguments: '{}' }] },
      hubRequest(),
    ) as any
    expect(out.choices[0].message.content).toBeNull()
    expect(out.choices[0].message).not.toHaveProperty('reasoning_content')
    expect(out.choices[0].message).not.toHaveProperty('reasoning_details')
  })

  it('a signature survives encodeResponse → decodeResponse (client round trip)', () => {
    const back = openaiChat.decodeResponse(openaiChat.encodeResponse(res, hubRequest()))
    expect(back.content[0]).toEqual({ type: 'thinking', text: 'hmm', signature: SIGNATURE, format: 'anthropic-claude-v1' })
    expect(back.usage).toEqual({ inputTokens: 2000, outputTokens: 300, cacheReadTokens: 1500, reasoningTokens: 50 })
  })
})

describe('finish reason mapping', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['something_new', 'other'],
  ] as const)('from %s → %s', (wire, hub) => expect(fromOpenAIFinishReason(wire)).toBe(hub))

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['pause', 'stop'],
    ['other', 'stop'],
    ['error', 'stop'],
  ] as const)('hub %s → %s', (hub, wire) => expect(toOpenAIFinishReason(hub)).toBe(wire))
})
