import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubMessage } from '../../../src/hub/request'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { context, hubRequest } from './helpers'

const SIGNATURE = 'EqQBCkgIBxABGAIqQJ+/==\u00e9"\\sig'
const isReasoning = (m: string) => /^(o\d|gpt-5)/.test(m)

const thinkingTurn: HubMessage[] = [
  { role: 'user', content: [{ type: 'text', text: 'q' }] },
  {
    role: 'assistant',
    content: [
      { type: 'thinking', text: 'first ', signature: SIGNATURE },
      { type: 'redacted_thinking', data: 'ENC==' },
      { type: 'thinking', text: 'second' },
      { type: 'text', text: 'answer' },
    ],
  },
  { role: 'user', content: [{ type: 'text', text: 'more' }] },
]

describe('encodeRequest messages', () => {
  it('system parts become one leading system message; mid-conversation system stays in place', () => {
    const out = openaiChat.encodeRequest(
      hubRequest({
        system: [
          { type: 'text', text: 'A', cacheControl: { type: 'ephemeral' } },
          { type: 'text', text: 'B' },
        ],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'system', content: [{ type: 'text', text: 'note' }] },
        ],
      }),
      context(),
    ) as any
    expect(out.model).toBe('gpt-4o')
    expect(out.messages).toEqual([
      { role: 'system', content: 'A\n\nB' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'note' },
    ])
  })

  it('tool results become tool messages before the rest of the user turn; images in results follow in a user message', () => {
    const out = openaiChat.encodeRequest(
      hubRequest({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'go' }] },
          {
            role: 'assistant',
            content: [
              { type: 'tool_call', id: 'call_1', name: 'a', arguments: '{"x":1}' },
              { type: 'tool_call', id: 'call_2', name: 'b', arguments: '' },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'also this' },
              { type: 'tool_result', toolCallId: 'call_1', content: 'one' },
              {
                type: 'tool_result',
                toolCallId: 'call_2',
                content: [
                  { type: 'text', text: 'two' },
                  { type: 'text', text: 'lines' },
                  { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAA' } },
                ],
              },
            ],
          },
        ],
      }),
      context(),
    ) as any
    expect(out.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
          { id: 'call_2', type: 'function', function: { name: 'b', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'one' },
      { role: 'tool', tool_call_id: 'call_2', content: 'two\n\nlines' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Image output of tool call call_2:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } },
          { type: 'text', text: 'also this' },
        ],
      },
    ])
  })

  it('user images: base64 → data URL, url kept, detail kept', () => {
    const out = openaiChat.encodeRequest(
      hubRequest({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/' }, detail: 'low' },
              { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } },
            ],
          },
        ],
      }),
      context(),
    ) as any
    expect(out.messages[0].content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/', detail: 'low' } },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
    ])
  })

  it('images survive decodeRequest → encodeRequest', () => {
    const content = [
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
    ]
    const hub = openaiChat.decodeRequest({ model: 'm', messages: [{ role: 'user', content }] })
    const out = openaiChat.encodeRequest(hub, context()) as any
    expect(out.messages[0].content).toEqual(content)
  })

  it("native parts: this protocol's are sent raw, another protocol's are refused with a 400", () => {
    const raw = { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }
    const ok = openaiChat.encodeRequest(
      hubRequest({ messages: [{ role: 'user', content: [{ type: 'native', protocol: 'openai-chat', label: 'x', raw }] }] }),
      context(),
    ) as any
    expect(ok.messages[0].content).toEqual([raw])

    const bad = hubRequest({
      messages: [
        { role: 'user', content: [{ type: 'native', protocol: 'anthropic', label: 'content block "document"', raw: {} }] },
      ],
    })
    expect(() => openaiChat.encodeRequest(bad, context())).toThrow(GatewayError)
    expect(() => openaiChat.encodeRequest(bad, context())).toThrow(
      'content block "document" cannot be sent to an OpenAI-compatible upstream',
    )
    const badTool = hubRequest({
      tools: [{ name: 'web_search', parameters: {}, native: { protocol: 'anthropic', label: 'tool "web_search_20250305"', raw: {} } }],
    })
    const warnings: string[] = []
    const dropped = openaiChat.encodeRequest(badTool, { ...context(), warn: (m) => warnings.push(m) })
    expect(dropped.tools).toBeUndefined()
    expect(warnings).toEqual(['tool "web_search_20250305" left out: the upstream does not offer it'])
  })
})

describe('encodeRequest reasoning history per quirk', () => {
  const assistantOf = (quirks: object) => (openaiChat.encodeRequest(hubRequest({ messages: thinkingTurn }), context(quirks)) as any).messages[1]

  it('reasoning_content: joined thinking text', () => {
    const a = assistantOf({ reasoningHistory: 'reasoning_content' })
    expect(a.reasoning_content).toBe('first second')
    expect(a.reasoning_details).toBeUndefined()
    expect(a.content).toBe('answer')
  })

  it('reasoning_details: every block, signatures byte for byte, redacted as reasoning.encrypted', () => {
    const a = assistantOf({ reasoningHistory: 'reasoning_details' })
    expect(a.reasoning_content).toBeUndefined()
    expect(a.reasoning_details).toEqual([
      { type: 'reasoning.text', text: 'first ', signature: SIGNATURE, format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.encrypted', data: 'ENC==', format: 'anthropic-claude-v1', index: 1 },
      { type: 'reasoning.text', text: 'second', format: 'anthropic-claude-v1', index: 2 },
    ])
    expect(JSON.parse(JSON.stringify(a.reasoning_details))[0].signature).toBe(SIGNATURE)
  })

  it('none or unset: reasoning dropped', () => {
    for (const quirks of [{ reasoningHistory: 'none' }, {}]) {
      const a = assistantOf(quirks)
      expect(a).toEqual({ role: 'assistant', content: 'answer' })
    }
  })

  it('a signature decoded from reasoning_details reaches a reasoning_details upstream unchanged', () => {
    const hub = openaiChat.decodeRequest({
      model: 'm',
      messages: [
        { role: 'user', content: 'q' },
        {
          role: 'assistant',
          content: 'a',
          reasoning_details: [{ type: 'reasoning.text', text: 't', signature: SIGNATURE, format: 'anthropic-claude-v1', index: 0 }],
        },
      ],
    })
    const out = openaiChat.encodeRequest(hub, context({ reasoningHistory: 'reasoning_details' })) as any
    expect(out.messages[1].reasoning_details[0].signature).toBe(SIGNATURE)
  })
})

describe('encodeRequest parameters', () => {
  it('reasoning model: max_completion_tokens, reasoning_effort, sampling knobs dropped with a warning', () => {
    const ctx = context({ reasoningModel: isReasoning }, 'o3')
    const out = openaiChat.encodeRequest(
      hubRequest({ maxTokens: 1000, temperature: 0.5, topP: 0.9, thinking: { enabled: true, effort: 'high' } }),
      ctx,
    ) as any
    expect(out.model).toBe('o3')
    expect(out.max_completion_tokens).toBe(1000)
    expect(out.max_tokens).toBeUndefined()
    expect(out.reasoning_effort).toBe('high')
    expect(out.temperature).toBeUndefined()
    expect(out.top_p).toBeUndefined()
    expect(ctx.warnings.some((w) => w.includes('temperature'))).toBe(true)
    expect(ctx.warnings.some((w) => w.includes('top_p'))).toBe(true)
  })

  it('reasoning model: effort derived from a thinking budget', () => {
    const effort = (budgetTokens: number) =>
      (openaiChat.encodeRequest(hubRequest({ thinking: { enabled: true, budgetTokens } }), context({ reasoningModel: isReasoning }, 'o4-mini')) as any)
        .reasoning_effort
    expect(effort(1024)).toBe('low')
    expect(effort(2048)).toBe('low')
    expect(effort(8192)).toBe('medium')
    expect(effort(8193)).toBe('high')
    expect(effort(32000)).toBe('high')
  })

  it('non-reasoning model: max_tokens, sampling kept, thinking dropped (warned only when explicit)', () => {
    const ctx = context({ reasoningModel: isReasoning }, 'gpt-4o')
    const out = openaiChat.encodeRequest(
      hubRequest({ maxTokens: 1000, temperature: 0.5, thinking: { enabled: true, budgetTokens: 4000 } }),
      ctx,
    ) as any
    expect(out.max_tokens).toBe(1000)
    expect(out.max_completion_tokens).toBeUndefined()
    expect(out.temperature).toBe(0.5)
    expect(out.reasoning_effort).toBeUndefined()
    expect(ctx.warnings).toHaveLength(1)

    const quiet = context({}, 'gpt-4o')
    openaiChat.encodeRequest(hubRequest({ thinking: { enabled: true } }), quiet)
    expect(quiet.warnings).toEqual([])
  })

  it('streaming always asks for usage', () => {
    const out = openaiChat.encodeRequest(hubRequest({ stream: true, streamUsage: false }), context()) as any
    expect(out.stream).toBe(true)
    expect(out.stream_options).toEqual({ include_usage: true })
    const plain = openaiChat.encodeRequest(hubRequest(), context()) as any
    expect(plain.stream).toBeUndefined()
    expect(plain.stream_options).toBeUndefined()
  })

  it('top_k is dropped with a warning', () => {
    const ctx = context()
    const out = openaiChat.encodeRequest(hubRequest({ topK: 40 }), ctx) as any
    expect(out.top_k).toBeUndefined()
    expect(ctx.warnings).toEqual([expect.stringContaining('top_k')])
  })

  it('maps tools, tool choice and the remaining parameters', () => {
    const out = openaiChat.encodeRequest(
      hubRequest({
        tools: [{ name: 'f', description: 'F', parameters: { type: 'object' }, strict: true, cacheControl: { type: 'ephemeral' } }],
        toolChoice: { type: 'tool', name: 'f' },
        parallelToolCalls: false,
        stopSequences: ['X'],
        seed: 3,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        responseFormat: { type: 'json_schema', schema: { type: 'object' }, strict: true },
        userId: 'u',
        metadata: { k: 'v' },
        n: 1,
      }),
      context(),
    ) as any
    expect(out).toMatchObject({
      tools: [{ type: 'function', function: { name: 'f', description: 'F', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      parallel_tool_calls: false,
      stop: ['X'],
      seed: 3,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' }, strict: true } },
      user: 'u',
      metadata: { k: 'v' },
      n: 1,
    })
    expect(out.tools[0].cache_control).toBeUndefined()
    expect((openaiChat.encodeRequest(hubRequest({ toolChoice: { type: 'required' } }), context()) as any).tool_choice).toBe('required')
  })
})
