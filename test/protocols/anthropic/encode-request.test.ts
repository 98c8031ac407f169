import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubMessage, HubRequest } from '../../../src/hub/request'
import { DEFAULT_MAX_TOKENS, EFFORT_BUDGET, anthropic } from '../../../src/protocols/anthropic'
import type { EncodeRequestContext } from '../../../src/protocols/types'

function ctx(): EncodeRequestContext & { warnings: string[] } {
  const warnings: string[] = []
  return { model: 'claude-up', quirks: {}, warn: (m) => warnings.push(m), warnings }
}
const user = (text: string): HubMessage => ({ role: 'user', content: [{ type: 'text', text }] })
const base = (over: Partial<HubRequest> = {}): HubRequest => ({
  model: 'anthropic:claude',
  system: [],
  messages: [user('hi')],
  stream: false,
  ...over,
})
const encode = (req: HubRequest, c = ctx()) => ({ body: anthropic.encodeRequest(req, c) as Record<string, any>, warnings: c.warnings })

function thrown(fn: () => unknown): GatewayError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError)
    return err as GatewayError
  }
  throw new Error('did not throw')
}

describe('encodeRequest (hub → Anthropic body)', () => {
  it('fills the documented max_tokens default', () => {
    const { body } = encode(base())
    expect(DEFAULT_MAX_TOKENS).toBe(8192)
    expect(body.max_tokens).toBe(DEFAULT_MAX_TOKENS)
    expect(body).toMatchObject({ model: 'claude-up', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false })
  })

  it('keeps a given max_tokens', () => {
    expect(encode(base({ maxTokens: 300 })).body.max_tokens).toBe(300)
  })

  it('clamps temperature above 1 and says so', () => {
    const { body, warnings } = encode(base({ temperature: 1.7 }))
    expect(body.temperature).toBe(1)
    expect(warnings).toContain('temperature 1.7 clamped to 1 (Anthropic accepts 0-1)')
  })

  it('yields only tool_use blocks for an assistant turn with empty text and tool calls', () => {
    const { body } = encode(
      base({
        messages: [
          user('weather?'),
          {
            role: 'assistant',
            content: [
              { type: 'text', text: '' },
              { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
              { type: 'tool_call', id: 'call_2', name: 'get_time', arguments: '' },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', toolCallId: 'call_1', content: 'sunny' }, { type: 'tool_result', toolCallId: 'call_2', content: [{ type: 'text', text: '12:00' }], isError: false }] },
        ],
      }),
    )
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
      ],
    })
    expect(body.messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
      { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '12:00' }], is_error: false },
    ])
  })

  it('copies thinking signatures byte for byte and puts thinking first in the assistant turn', () => {
    const signature = 'ErUBCkYIBRgCIkD+/==\u00e9 weird bytes'
    const { body } = encode(
      base({
        messages: [
          user('q'),
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'answer' },
              { type: 'tool_call', id: 'toolu_1', name: 'f', arguments: '{}' },
              { type: 'thinking', text: 'reasoning', signature },
              { type: 'redacted_thinking', data: 'REDACTED' },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', toolCallId: 'toolu_1', content: 'ok' }] },
        ],
        thinking: { enabled: true, budgetTokens: 2000 },
      }),
    )
    expect(body.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'reasoning', signature },
      { type: 'redacted_thinking', data: 'REDACTED' },
      { type: 'text', text: 'answer' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
    ])
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 })
  })

  it('drops unsigned thinking (from another provider) with a warning', () => {
    const { body, warnings } = encode(
      base({
        messages: [user('q'), { role: 'assistant', content: [{ type: 'thinking', text: 'deepseek style' }, { type: 'text', text: 'a' }] }, user('more')],
      }),
    )
    expect(body.messages[1].content).toEqual([{ type: 'text', text: 'a' }])
    expect(warnings.some((w) => w.includes('not signed by Anthropic'))).toBe(true)
  })

  it('drops thinking and encrypted reasoning signed by another provider, keeps its own', () => {
    const { body, warnings } = encode(
      base({
        messages: [
          user('q'),
          {
            role: 'assistant',
            content: [
              { type: 'thinking', text: 'gemini thought', signature: 'g-sig', format: 'google-gemini-v1' },
              { type: 'redacted_thinking', data: 'openai-blob', format: 'openai-responses-v1' },
              { type: 'thinking', text: 'claude thought', signature: 'a-sig', format: 'anthropic-claude-v1' },
              { type: 'text', text: 'a' },
            ],
          },
          user('more'),
        ],
      }),
    )
    expect(body.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'claude thought', signature: 'a-sig' },
      { type: 'text', text: 'a' },
    ])
    expect(warnings.length).toBeGreaterThanOrEqual(2)
  })

  it('raises max_tokens above the thinking budget', () => {
    const { body, warnings } = encode(base({ maxTokens: 1000, thinking: { enabled: true, budgetTokens: 4000 } }))
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 4000 })
    expect(body.max_tokens).toBeGreaterThan(4000)
    expect(warnings.some((w) => w.startsWith('max_tokens 1000 raised'))).toBe(true)
    expect(encode(base({ thinking: { enabled: true, budgetTokens: 4000 } })).body.max_tokens).toBe(4000 + DEFAULT_MAX_TOKENS)
  })

  it('maps an effort-only request (OpenAI reasoning_effort) to a thinking budget', () => {
    for (const effort of ['low', 'medium', 'high', 'xhigh'] as const) {
      const { body } = encode(base({ thinking: { enabled: true, effort } }))
      expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: EFFORT_BUDGET[effort] })
      expect(body.max_tokens).toBeGreaterThan(EFFORT_BUDGET[effort])
      expect(body.output_config).toBeUndefined()
    }
    expect(EFFORT_BUDGET).toMatchObject({ minimal: 1024, low: 1024, medium: 4096, high: 16384, xhigh: 32000, max: 32000 })
  })

  it('sends adaptive thinking with effort, and disabled only when explicit', () => {
    expect(encode(base({ thinking: { enabled: true, adaptive: true, effort: 'max' } })).body).toMatchObject({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'max' },
    })
    expect(encode(base({ thinking: { enabled: false } })).body.thinking).toEqual({ type: 'disabled' })
    expect(encode(base()).body.thinking).toBeUndefined()
  })

  it('drops temperature and top_k when thinking is on, with warnings', () => {
    const { body, warnings } = encode(base({ temperature: 0.3, topK: 5, thinking: { enabled: true, budgetTokens: 2048 } }))
    expect(body.temperature).toBeUndefined()
    expect(body.top_k).toBeUndefined()
    expect(warnings.some((w) => w.startsWith('temperature 0.3 dropped'))).toBe(true)
    expect(warnings.some((w) => w.startsWith('top_k 5 dropped'))).toBe(true)
  })

  it('drops thinking rather than a forced tool choice', () => {
    const { body, warnings } = encode(
      base({
        tools: [{ name: 'f', parameters: { type: 'object', properties: {} } }],
        toolChoice: { type: 'required' },
        thinking: { enabled: true, effort: 'high' },
      }),
    )
    expect(body.thinking).toBeUndefined()
    expect(body.tool_choice).toEqual({ type: 'any' })
    expect(body.max_tokens).toBe(DEFAULT_MAX_TOKENS)
    expect(warnings.some((w) => w.startsWith('thinking dropped'))).toBe(true)
  })

  it('maps tool choice and parallel tool calls', () => {
    const tools = [{ name: 'f', description: 'does f', parameters: {} }]
    const tc = (over: Partial<HubRequest>) => encode(base({ tools, ...over })).body.tool_choice
    expect(tc({ toolChoice: { type: 'auto' } })).toEqual({ type: 'auto' })
    expect(tc({ toolChoice: { type: 'required' } })).toEqual({ type: 'any' })
    expect(tc({ toolChoice: { type: 'none' } })).toEqual({ type: 'none' })
    expect(tc({ toolChoice: { type: 'tool', name: 'f' } })).toEqual({ type: 'tool', name: 'f' })
    expect(tc({ parallelToolCalls: false })).toEqual({ type: 'auto', disable_parallel_tool_use: true })
    expect(tc({ toolChoice: { type: 'tool', name: 'f' }, parallelToolCalls: false })).toEqual({
      type: 'tool',
      name: 'f',
      disable_parallel_tool_use: true,
    })
    expect(encode(base({ tools })).body.tools).toEqual([
      { name: 'f', description: 'does f', input_schema: { type: 'object', properties: {} } },
    ])
  })

  it('writes Anthropic native tools and parts back raw, and refuses other protocols’ natives', () => {
    const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }
    const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }
    const { body } = encode(
      base({
        messages: [{ role: 'user', content: [{ type: 'native', protocol: 'anthropic', label: 'content block "document"', raw: doc }, { type: 'text', text: 'summarise' }] }],
        tools: [{ native: { protocol: 'anthropic', label: 'tool "web_search_20250305"', raw: webSearch }, name: 'web_search', parameters: {} }],
      }),
    )
    expect(body.messages[0].content[0]).toEqual(doc)
    expect(body.tools).toEqual([webSearch])

    const part = thrown(() =>
      encode(base({ messages: [{ role: 'user', content: [{ type: 'native', protocol: 'openai-chat', label: 'content part "input_audio"', raw: {} }] }] })),
    )
    expect(part.kind).toBe('invalid_request')
    expect(part.message).toBe('content part "input_audio" cannot be sent to an Anthropic upstream')
    // another protocol's provider tool is left out with a warning: the model just does not get it
    const foreign = encode(
      base({ tools: [{ native: { protocol: 'openai-responses', label: 'tool "web_search"', raw: {} }, name: 'web_search', parameters: {} }] }),
    )
    expect(foreign.body.tools).toBeUndefined()
    expect(foreign.warnings).toContain('tool "web_search" left out: the upstream does not offer it')
  })

  it('refuses n > 1', () => {
    const err = thrown(() => encode(base({ n: 2 })))
    expect(err.kind).toBe('invalid_request')
    expect(err.param).toBe('n')
    expect(encode(base({ n: 1 })).body.n).toBeUndefined()
  })

  it('lifts leading system messages, keeps later ones in place, and merges same-role turns', () => {
    const { body } = encode(
      base({
        system: [{ type: 'text', text: 'top', cacheControl: { type: 'ephemeral', ttl: '1h' } }],
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'lead' }] },
          user('a'),
          user('b'),
          { role: 'system', content: [{ type: 'text', text: 'mid' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
        ],
      }),
    )
    expect(body.system).toEqual([
      { type: 'text', text: 'top', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'lead' },
    ])
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
      { role: 'system', content: [{ type: 'text', text: 'mid' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ])
  })

  it('puts tool results first when a merged user turn also holds text', () => {
    const { body } = encode(
      base({
        messages: [
          user('q'),
          { role: 'assistant', content: [{ type: 'tool_call', id: 'call_1', name: 'f', arguments: '{}' }] },
          { role: 'user', content: [{ type: 'tool_result', toolCallId: 'call_1', content: 'r' }] },
          user('and now?'),
        ],
      }),
    )
    expect(body.messages).toHaveLength(3)
    expect(body.messages[2].content.map((b: any) => b.type)).toEqual(['tool_result', 'text'])
  })

  it('makes foreign tool ids fit Anthropic’s pattern on both sides of the pair', () => {
    const { body } = encode(
      base({
        messages: [
          user('q'),
          { role: 'assistant', content: [{ type: 'tool_call', id: 'functions.get:0', name: 'get', arguments: '{}' }] },
          { role: 'user', content: [{ type: 'tool_result', toolCallId: 'functions.get:0', content: 'r' }] },
        ],
      }),
    )
    expect(body.messages[1].content[0].id).toBe('functions_get_0')
    expect(body.messages[2].content[0].tool_use_id).toBe('functions_get_0')
  })

  it('encodes base64, url and data-URL images', () => {
    const { body } = encode(
      base({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAA' } },
              { type: 'image', source: { kind: 'url', url: 'https://x.test/a.jpg' }, detail: 'high' },
              { type: 'image', source: { kind: 'url', url: 'data:image/gif;base64,R0lG' } },
            ],
          },
        ],
      }),
    )
    expect(body.messages[0].content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
      { type: 'image', source: { type: 'url', url: 'https://x.test/a.jpg' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'R0lG' } },
    ])
  })

  it('maps structured output, user id and stop sequences, and warns about what Anthropic lacks', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false }
    const { body, warnings } = encode(
      base({
        responseFormat: { type: 'json_schema', name: 'x', schema, strict: true },
        userId: 'user-1',
        stopSequences: ['END'],
        seed: 7,
        frequencyPenalty: 0.5,
        presencePenalty: 0.5,
        metadata: { a: 'b' },
      }),
    )
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } })
    expect(body.metadata).toEqual({ user_id: 'user-1' })
    expect(body.stop_sequences).toEqual(['END'])
    expect(body.seed).toBeUndefined()
    expect(warnings).toHaveLength(4)
    const json = encode(base({ responseFormat: { type: 'json_object' } }))
    expect(json.body.output_config).toBeUndefined()
    expect(json.warnings.some((w) => w.includes('json_object'))).toBe(true)
  })
})
