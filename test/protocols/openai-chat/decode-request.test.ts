import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import { openaiChat } from '../../../src/protocols/openai-chat'

const decode = (body: object) => openaiChat.decodeRequest({ model: 'gpt-4o', ...body })

function rejection(body: object): GatewayError {
  try {
    decode(body)
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError)
    return err as GatewayError
  }
  throw new Error('expected a GatewayError')
}

const SIGNATURE = 'EqQBCkgIBxABGAIqQJ+/==\u00e9"\\sig'

describe('decodeRequest validation', () => {
  it('a tool message without tool_call_id is a 400 naming messages[i].tool_call_id', () => {
    const err = rejection({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', content: 'result' },
      ],
    })
    expect(err.status).toBe(400)
    expect(err.kind).toBe('invalid_request')
    expect(err.param).toBe('messages[2].tool_call_id')
    expect(err.message).toContain('messages[2].tool_call_id')
  })

  it('an empty tool_call_id is refused too', () => {
    expect(rejection({ messages: [{ role: 'tool', tool_call_id: '', content: 'x' }] }).param).toBe('messages[0].tool_call_id')
  })

  it('a bad field inside a content part is named', () => {
    expect(rejection({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }).param).toBe('messages[0].content[0].text')
  })

  it('an unknown role is named', () => {
    expect(rejection({ messages: [{ role: 'wizard', content: 'x' }] }).param).toBe('messages[0].role')
  })

  it('missing messages and model are refused', () => {
    expect(rejection({ messages: [] }).param).toBe('messages')
    expect(() => openaiChat.decodeRequest({ messages: [{ role: 'user', content: 'x' }] })).toThrow(GatewayError)
  })

  it('unknown top-level fields are accepted', () => {
    expect(() => decode({ messages: [{ role: 'user', content: 'x' }], store: true, prompt_cache_key: 'k' })).not.toThrow()
  })
})

describe('decodeRequest messages', () => {
  it('lifts leading system/developer messages and keeps later ones in place', () => {
    const hub = decode({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
        { role: 'user', content: 'hi' },
        { role: 'system', content: 'Mid-conversation note.' },
        { role: 'assistant', content: 'hello' },
      ],
    })
    expect(hub.system).toEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: 'Use tools.' },
    ])
    expect(hub.messages.map((m) => m.role)).toEqual(['user', 'system', 'assistant'])
    expect(hub.messages[1]!.content).toEqual([{ type: 'text', text: 'Mid-conversation note.' }])
  })

  it('maps images (data URL → base64, http URL → url), keeps detail, and wraps other parts as native', () => {
    const hub = decode({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
          ],
        },
      ],
    })
    expect(hub.messages[0]!.content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg' } },
      {
        type: 'native',
        protocol: 'openai-chat',
        label: 'content part "input_audio"',
        raw: { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
      },
    ])
  })

  it('maps assistant tool calls verbatim and merges consecutive tool messages into one user message', () => {
    const args = '{"city": "Paris",  "unit":"c"}'
    const hub = decode({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'weather', arguments: args } },
            { id: 'call_b', type: 'function', function: { name: 'time', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_a', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: 'noon' }] },
        { role: 'user', content: 'thanks' },
      ],
    })
    expect(hub.messages).toHaveLength(4)
    expect(hub.messages[1]!.content).toEqual([
      { type: 'tool_call', id: 'call_a', name: 'weather', arguments: args },
      { type: 'tool_call', id: 'call_b', name: 'time', arguments: '{}' },
    ])
    expect(hub.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', toolCallId: 'call_a', content: 'sunny' },
        { type: 'tool_result', toolCallId: 'call_b', content: [{ type: 'text', text: 'noon' }] },
      ],
    })
    expect(hub.messages[3]!.content).toEqual([{ type: 'text', text: 'thanks' }])
  })

  it('maps assistant refusal parts and the refusal field to text', () => {
    const hub = decode({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot help with that.' }] },
      ],
    })
    expect(hub.messages[1]!.content).toEqual([{ type: 'text', text: 'I cannot help with that.' }])
  })

  it('reads reasoning from reasoning_content and reasoning', () => {
    for (const field of ['reasoning_content', 'reasoning']) {
      const hub = decode({
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: 'answer', [field]: 'let me think' },
        ],
      })
      expect(hub.messages[1]!.content).toEqual([
        { type: 'thinking', text: 'let me think' },
        { type: 'text', text: 'answer' },
      ])
    }
  })

  it('reads reasoning_details: text keeps its signature byte for byte, encrypted → redacted, summary → thinking', () => {
    const hub = decode({
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: 'answer',
          reasoning: 'plain copy that must not be duplicated',
          reasoning_details: [
            { type: 'reasoning.text', text: 'step one', signature: SIGNATURE, format: 'anthropic-claude-v1', index: 0 },
            { type: 'reasoning.encrypted', data: 'ENCRYPTED==', format: 'anthropic-claude-v1', index: 1 },
            { type: 'reasoning.summary', summary: 'a summary', index: 2 },
          ],
        },
      ],
    })
    expect(hub.messages[1]!.content).toEqual([
      { type: 'thinking', text: 'step one', signature: SIGNATURE, format: 'anthropic-claude-v1' },
      { type: 'redacted_thinking', data: 'ENCRYPTED==', format: 'anthropic-claude-v1' },
      { type: 'thinking', text: 'a summary' },
      { type: 'text', text: 'answer' },
    ])
  })

  it('joins reasoning_details fragments of one block (as streamed) and keeps the final signature', () => {
    const hub = decode({
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: 'ok',
          reasoning_details: [
            { type: 'reasoning.text', text: 'Hel', index: 0 },
            { type: 'reasoning.text', text: 'lo', index: 0 },
            { type: 'reasoning.text', text: '', signature: SIGNATURE, index: 0 },
          ],
        },
      ],
    })
    expect(hub.messages[1]!.content[0]).toEqual({ type: 'thinking', text: 'Hello', signature: SIGNATURE })
  })

  it('puts reasoning_content text back beside a signature-only reasoning_details (what our stream encoder sends)', () => {
    const hub = decode({
      messages: [
        { role: 'user', content: 'x' },
        {
          role: 'assistant',
          content: 'ok',
          reasoning_content: 'full thought',
          reasoning_details: [{ type: 'reasoning.text', text: '', signature: SIGNATURE, index: 0 }],
        },
      ],
    })
    expect(hub.messages[1]!.content[0]).toEqual({ type: 'thinking', text: 'full thought', signature: SIGNATURE })
  })

  it('maps the legacy function role and function_call', () => {
    const hub = decode({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, function_call: { name: 'lookup', arguments: '{"q":1}' } },
        { role: 'function', name: 'lookup', content: 'found' },
      ],
    })
    const call = hub.messages[1]!.content[0] as any
    expect(call).toMatchObject({ type: 'tool_call', name: 'lookup', arguments: '{"q":1}' })
    expect(hub.messages[2]!.content).toEqual([{ type: 'tool_result', toolCallId: call.id, content: 'found' }])
  })
})

describe('decodeRequest parameters', () => {
  const base = { messages: [{ role: 'user', content: 'x' }] }

  it('maps tools, defaulting parameters, and keeps other tool types native', () => {
    const hub = decode({
      ...base,
      tools: [
        { type: 'function', function: { name: 'a', description: 'A', parameters: { type: 'object', properties: { x: { type: 'string' } } }, strict: true } },
        { type: 'function', function: { name: 'b' } },
        { type: 'custom', custom: { name: 'grammar_tool', format: { type: 'text' } } },
      ],
    })
    expect(hub.tools).toEqual([
      { name: 'a', description: 'A', parameters: { type: 'object', properties: { x: { type: 'string' } } }, strict: true },
      { name: 'b', parameters: { type: 'object', properties: {} } },
      {
        name: 'grammar_tool',
        parameters: {},
        native: {
          protocol: 'openai-chat',
          label: 'tool "custom"',
          raw: { type: 'custom', custom: { name: 'grammar_tool', format: { type: 'text' } } },
        },
      },
    ])
  })

  it('maps tool_choice forms', () => {
    expect(decode({ ...base, tool_choice: 'auto' }).toolChoice).toEqual({ type: 'auto' })
    expect(decode({ ...base, tool_choice: 'none' }).toolChoice).toEqual({ type: 'none' })
    expect(decode({ ...base, tool_choice: 'required' }).toolChoice).toEqual({ type: 'required' })
    expect(decode({ ...base, tool_choice: { type: 'function', function: { name: 'f' } } }).toolChoice).toEqual({
      type: 'tool',
      name: 'f',
    })
  })

  it('maps sampling, limits and the rest', () => {
    const hub = decode({
      ...base,
      max_completion_tokens: 500,
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      parallel_tool_calls: false,
      user: 'user-1',
      metadata: { a: 'b' },
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(hub).toMatchObject({
      maxTokens: 500,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['END'],
      seed: 7,
      frequencyPenalty: 0.5,
      presencePenalty: -0.5,
      parallelToolCalls: false,
      userId: 'user-1',
      metadata: { a: 'b' },
      n: 2,
      stream: true,
      streamUsage: true,
    })
    expect(decode({ ...base, max_tokens: 100, stop: ['a', 'b'] })).toMatchObject({ maxTokens: 100, stopSequences: ['a', 'b'] })
    expect(decode({ ...base, stream: true }).streamUsage).toBe(false)
  })

  it('maps response_format', () => {
    expect(decode({ ...base, response_format: { type: 'json_object' } }).responseFormat).toEqual({ type: 'json_object' })
    expect(
      decode({
        ...base,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'r', description: 'd', schema: { type: 'object' }, strict: true },
        },
      }).responseFormat,
    ).toEqual({ type: 'json_schema', name: 'r', description: 'd', schema: { type: 'object' }, strict: true })
  })

  it('maps reasoning_effort to thinking', () => {
    expect(decode({ ...base, reasoning_effort: 'high' }).thinking).toEqual({ enabled: true, effort: 'high' })
    expect(decode({ ...base, reasoning_effort: 'none' }).thinking).toEqual({ enabled: false })
    expect(decode(base).thinking).toBeUndefined()
    expect(rejection({ ...base, reasoning_effort: 'extreme' }).param).toBe('reasoning_effort')
  })
})
