import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import { anthropic } from '../../../src/protocols/anthropic'

const base = { model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }

function rejects(body: unknown): GatewayError {
  try {
    anthropic.decodeRequest(body)
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError)
    expect((err as GatewayError).status).toBe(400)
    return err as GatewayError
  }
  throw new Error('accepted an invalid body')
}

describe('decodeRequest (Anthropic body → hub)', () => {
  it('rejects what it models with a 400 naming the field', () => {
    expect(rejects({ ...base, messages: 'hi' }).param).toBe('messages')
    expect(rejects({ ...base, messages: [{ role: 'bot', content: 'x' }] }).param).toBe('messages[0].role')
    expect(rejects({ ...base, max_tokens: 1.5 }).param).toBe('max_tokens')
    expect(rejects({ ...base, max_tokens: -1 }).param).toBe('max_tokens')
    expect(rejects({ ...base, temperature: 1.5 }).param).toBe('temperature')
    expect(rejects({ ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] }).param).toBe('messages[0].content[0].text')
    expect(rejects({ ...base, messages: [{ role: 'user', content: 5 }] }).param).toBe('messages[0].content')
    expect(rejects({ ...base, thinking: { type: 'enabled' } }).param).toBe('thinking.budget_tokens')
    expect(rejects({ ...base, tools: [{ name: 'f' }] }).param).toBe('tools[0].input_schema')
    expect(rejects({ ...base, model: undefined }).param).toBe('model')
  })

  it('accepts fields it does not model', () => {
    const hub = anthropic.decodeRequest({
      ...base,
      context_management: { edits: [] },
      service_tier: 'auto',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', citations: null, future_field: 1 }] }],
    })
    expect(hub.messages[0]!.content).toEqual([{ type: 'text', text: 'x' }])
  })

  it('maps system as a string or as text blocks with cache_control', () => {
    expect(anthropic.decodeRequest({ ...base, system: 'be brief' }).system).toEqual([{ type: 'text', text: 'be brief' }])
    expect(
      anthropic.decodeRequest({
        ...base,
        system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      }).system,
    ).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b', cacheControl: { type: 'ephemeral', ttl: '1h' } },
    ])
  })

  it('maps every content block kind, keeping unknown ones native', () => {
    const doc = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } }
    const fileImage = { type: 'image', source: { type: 'file', file_id: 'file_1' } }
    const hub = anthropic.decodeRequest({
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' }, cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'url', url: 'https://x.test/i.png' } },
            fileImage,
            doc,
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'SIG==' },
            { type: 'redacted_thinking', data: 'RED' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_1',
              is_error: true,
              content: [{ type: 'text', text: 'failed' }, { type: 'image', source: { type: 'url', url: 'https://x.test/e.png' } }],
            },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'tool_reference', tool_name: 'Read' }] }],
        },
      ],
    })
    expect(hub.messages[0]!.content).toEqual([
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAA' }, cacheControl: { type: 'ephemeral' } },
      { type: 'image', source: { kind: 'url', url: 'https://x.test/i.png' } },
      { type: 'native', protocol: 'anthropic', label: 'content block "image"', raw: fileImage },
      { type: 'native', protocol: 'anthropic', label: 'content block "document"', raw: doc },
    ])
    expect(hub.messages[1]!.content).toEqual([
      { type: 'thinking', text: 'hmm', signature: 'SIG==', format: 'anthropic-claude-v1' },
      { type: 'redacted_thinking', data: 'RED', format: 'anthropic-claude-v1' },
      { type: 'tool_call', id: 'toolu_1', name: 'f', arguments: '{"a":1}' },
    ])
    expect(hub.messages[2]!.content).toEqual([
      {
        type: 'tool_result',
        toolCallId: 'toolu_1',
        isError: true,
        content: [
          { type: 'text', text: 'failed' },
          { type: 'image', source: { kind: 'url', url: 'https://x.test/e.png' } },
        ],
      },
    ])
    expect(hub.messages[3]!.content[0]).toMatchObject({ type: 'native', label: 'content block "tool_result"' })
  })

  it('keeps role "system" messages in place', () => {
    const hub = anthropic.decodeRequest({
      ...base,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'system', content: 'note' },
        { role: 'assistant', content: 'b' },
      ],
    })
    expect(hub.messages.map((m) => m.role)).toEqual(['user', 'system', 'assistant'])
    expect(hub.messages[1]!.content).toEqual([{ type: 'text', text: 'note' }])
  })

  it('maps custom tools and keeps Anthropic-defined tools native', () => {
    const webSearch = { type: 'web_search_20250305', name: 'web_search', max_uses: 5 }
    const bash = { type: 'bash_20250124', name: 'bash' }
    const hub = anthropic.decodeRequest({
      ...base,
      tools: [
        { name: 'get', description: 'gets', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } },
        { name: 'later', input_schema: { type: 'object' }, defer_loading: true, type: 'custom', strict: true },
        webSearch,
        bash,
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    })
    expect(hub.tools).toEqual([
      { name: 'get', description: 'gets', parameters: { type: 'object', properties: {} }, cacheControl: { type: 'ephemeral' } },
      { name: 'later', parameters: { type: 'object' }, strict: true },
      { native: { protocol: 'anthropic', label: 'tool "web_search_20250305"', raw: webSearch }, name: 'web_search', parameters: {} },
      { native: { protocol: 'anthropic', label: 'tool "bash_20250124"', raw: bash }, name: 'bash', parameters: {} },
    ])
    expect(hub.toolChoice).toEqual({ type: 'required' })
    expect(hub.parallelToolCalls).toBe(false)
  })

  it('maps tool_choice types', () => {
    const tc = (tool_choice: unknown) => anthropic.decodeRequest({ ...base, tool_choice }).toolChoice
    expect(tc({ type: 'auto' })).toEqual({ type: 'auto' })
    expect(tc({ type: 'none' })).toEqual({ type: 'none' })
    expect(tc({ type: 'tool', name: 'f' })).toEqual({ type: 'tool', name: 'f' })
    expect(anthropic.decodeRequest({ ...base, tool_choice: { type: 'auto' } }).parallelToolCalls).toBeUndefined()
  })

  it('maps thinking and effort', () => {
    const th = (extra: Record<string, unknown>) => anthropic.decodeRequest({ ...base, ...extra }).thinking
    expect(th({ thinking: { type: 'enabled', budget_tokens: 2048 } })).toEqual({ enabled: true, budgetTokens: 2048 })
    expect(th({ thinking: { type: 'disabled' } })).toEqual({ enabled: false })
    expect(th({ thinking: { type: 'adaptive', display: 'omitted' } })).toEqual({ enabled: true, adaptive: true })
    expect(th({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } })).toEqual({
      enabled: true,
      adaptive: true,
      effort: 'low',
    })
    expect(th({})).toBeUndefined()
  })

  it('maps sampling, stop sequences, user id and structured output (both spellings)', () => {
    const schema = { type: 'object', properties: {} }
    const hub = anthropic.decodeRequest({
      ...base,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['\n\nHuman:'],
      metadata: { user_id: 'u-1' },
      stream: true,
      output_config: { format: { type: 'json_schema', schema } },
    })
    expect(hub).toMatchObject({
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stopSequences: ['\n\nHuman:'],
      userId: 'u-1',
      stream: true,
      responseFormat: { type: 'json_schema', schema },
    })
    expect(anthropic.decodeRequest({ ...base, output_format: { type: 'json_schema', schema } }).responseFormat).toEqual({
      type: 'json_schema',
      schema,
    })
    expect(anthropic.decodeRequest(base).stream).toBe(false)
  })
})
