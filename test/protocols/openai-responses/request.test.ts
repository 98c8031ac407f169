import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubRequest } from '../../../src/hub/request'
import { openaiResponses } from '../../../src/protocols/openai-responses'
import { context, hubRequest, openaiQuirks } from './helpers'

const decode = (body: object) => openaiResponses.decodeRequest({ model: 'gpt-5', ...body })
const encode = (req: Partial<HubRequest>, quirks = openaiQuirks, model = 'gpt-5') => {
  const c = context(quirks, model)
  return { body: openaiResponses.encodeRequest(hubRequest(req), c) as any, warnings: c.warnings }
}

function badRequest(body: unknown): GatewayError {
  try {
    openaiResponses.decodeRequest(body)
  } catch (e) {
    if (e instanceof GatewayError) return e
    throw e
  }
  throw new Error('expected a 400')
}

describe('decodeRequest: input', () => {
  it('a string input is one user message; instructions come first in the system prompt', () => {
    const hub = decode({ input: 'Hello', instructions: 'Be brief.', stream: true })
    expect(hub.system).toEqual([{ type: 'text', text: 'Be brief.' }])
    expect(hub.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }])
    expect(hub.stream).toBe(true)
  })

  it('leading system/developer messages join the system prompt; later ones stay in place', () => {
    const hub = decode({
      instructions: 'I.',
      input: [
        { type: 'additional_tools', role: 'developer', tools: [] },
        { role: 'system', content: 'S.' },
        { role: 'developer', content: [{ type: 'input_text', text: 'D.' }] },
        { role: 'user', content: 'U.' },
        { role: 'developer', content: 'Later.' },
      ],
    })
    expect(hub.system.map((p) => p.text)).toEqual(['I.', 'S.', 'D.'])
    expect(hub.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'U.' }] },
      { role: 'system', content: [{ type: 'text', text: 'Later.' }] },
    ])
  })

  it('content parts: text kinds, images by URL or data URL, and native parts for what the hub lacks', () => {
    const hub = decode({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look:' },
            { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'low' },
            { type: 'input_image', image_url: 'https://example.com/a.png' },
            { type: 'input_image', file_id: 'file-123' },
            { type: 'input_file', file_id: 'file-456' },
          ],
        },
        { role: 'assistant', content: [{ type: 'output_text', text: 'A' }, { type: 'refusal', refusal: 'No.' }] },
      ],
    })
    expect(hub.messages[0]!.content).toEqual([
      { type: 'text', text: 'Look:' },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' }, detail: 'low' },
      { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } },
      { type: 'native', protocol: 'openai-responses', label: 'content part "input_image"', raw: { type: 'input_image', file_id: 'file-123' } },
      { type: 'native', protocol: 'openai-responses', label: 'content part "input_file"', raw: { type: 'input_file', file_id: 'file-456' } },
    ])
    expect(hub.messages[1]!.content).toEqual([
      { type: 'text', text: 'A' },
      { type: 'text', text: 'No.' },
    ])
  })

  it('provider-side items in the history become native items of their own', () => {
    const ws = { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'x' } }
    const hub = decode({ input: [{ role: 'user', content: 'Q' }, ws, { role: 'assistant', content: 'A' }] })
    expect(hub.messages[1]).toEqual({ role: 'user', content: [{ type: 'native', protocol: 'openai-responses', label: 'input item "web_search_call"', raw: ws }] })
    const { body } = encode(hub)
    expect(body.input[1]).toEqual(ws)
  })

  it('a call id with a Gemini signature packed in passes through untouched, so a Gemini upstream gets it back', () => {
    const id = 'call_1__gsig__Q2lRQg'
    const hub = decode({
      input: [
        { type: 'function_call', call_id: id, name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: id, output: 'ok' },
      ],
    })
    expect(hub.messages[0]!.content[0]).toEqual({ type: 'tool_call', id, name: 'f', arguments: '{}' })
    expect(hub.messages[1]!.content[0]).toMatchObject({ type: 'tool_result', toolCallId: id })
    const out = openaiResponses.encodeResponse(
      { id: 'r', model: 'gemini', content: [{ type: 'tool_call', id, name: 'f', arguments: '{}', signature: 'CiQB' }], finishReason: 'tool_calls', usage: { inputTokens: 0, outputTokens: 0 } },
      hubRequest(),
    ) as any
    expect(out.output[0].call_id).toBe(id)
  })
})

describe('decodeRequest: settings', () => {
  it('tools: function (flat), custom with its format, everything else native', () => {
    const hub = decode({
      input: 'x',
      tools: [
        { type: 'function', name: 'f', description: 'F', parameters: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
        { type: 'function', name: 'g' },
        { type: 'custom', name: 'sql', description: 'SQL', format: { type: 'grammar', syntax: 'regex', definition: 'SELECT .+' } },
        { type: 'custom', name: 'free' },
        { type: 'web_search_preview' },
        { type: 'mcp', server_label: 'deepwiki', server_url: 'https://mcp.deepwiki.com/mcp' },
      ],
    })
    expect(hub.tools).toEqual([
      { name: 'f', description: 'F', parameters: { type: 'object', properties: { a: { type: 'string' } } }, strict: true },
      { name: 'g', parameters: { type: 'object', properties: {} } },
      { kind: 'custom', name: 'sql', description: 'SQL', parameters: { type: 'object', properties: {} }, customFormat: { type: 'grammar', syntax: 'regex', definition: 'SELECT .+' } },
      { kind: 'custom', name: 'free', parameters: { type: 'object', properties: {} } },
      { native: { protocol: 'openai-responses', label: 'tool "web_search_preview"', raw: { type: 'web_search_preview' } }, name: 'web_search_preview', parameters: {} },
      {
        native: { protocol: 'openai-responses', label: 'tool "mcp"', raw: { type: 'mcp', server_label: 'deepwiki', server_url: 'https://mcp.deepwiki.com/mcp' } },
        name: 'deepwiki',
        parameters: {},
      },
    ])
  })

  it('tool_choice in each form', () => {
    const choice = (tool_choice: unknown) => decode({ input: 'x', tool_choice }).toolChoice
    expect(choice('required')).toEqual({ type: 'required' })
    expect(choice({ type: 'function', name: 'f' })).toEqual({ type: 'tool', name: 'f' })
    expect(choice({ type: 'custom', name: 'sql' })).toEqual({ type: 'tool', name: 'sql' })
    expect(choice({ type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'f' }] })).toEqual({ type: 'required' })
    expect(choice({ type: 'web_search_preview' })).toEqual({ type: 'auto' })
  })

  it('reasoning, token limit, sampling, output format, user and metadata', () => {
    const hub = decode({
      input: 'x',
      reasoning: { effort: 'high', summary: 'auto' },
      max_output_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      parallel_tool_calls: false,
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true }, verbosity: 'low' },
      safety_identifier: 'user-hash',
      user: 'legacy',
      metadata: { k: 'v' },
    })
    expect(hub).toMatchObject({
      thinking: { enabled: true, effort: 'high' },
      maxTokens: 500,
      temperature: 0.2,
      topP: 0.9,
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      userId: 'user-hash',
      metadata: { k: 'v' },
      stream: false,
    })
    expect(decode({ input: 'x', reasoning: { effort: 'none' } }).thinking).toEqual({ enabled: false })
    expect(decode({ input: 'x', user: 'u1', text: { format: { type: 'json_object' } } })).toMatchObject({ userId: 'u1', responseFormat: { type: 'json_object' } })
  })

  it('a bad field is a 400 that names it', () => {
    const e = badRequest({ model: 'gpt-5', input: [{ role: 'user', content: 'a' }, { type: 'function_call', name: 'f', arguments: '{}' }] })
    expect(e.status).toBe(400)
    expect(e.param).toBe('input[1].call_id')
    expect(badRequest({ model: 'gpt-5', input: [{ role: 'robot', content: 'a' }] }).param).toBe('input[0].role')
    expect(badRequest({ model: 'gpt-5', input: 'x', tools: [{ type: 'function' }] }).param).toBe('tools[0].name')
    expect(badRequest({ model: 'gpt-5', input: [{ role: 'user', content: [{ type: 'input_text' }] }] }).param).toBe('input[0].content[0].text')
    expect(badRequest({ model: 'gpt-5', input: 'x', reasoning: { effort: 'huge' } }).param).toBe('reasoning.effort')
    expect(badRequest({ input: 'x' }).param).toBe('model')
  })

  it('the model may come from the URL instead of the body', () => {
    expect(openaiResponses.decodeRequest({ input: 'x' }, { model: 'gpt-5-mini' }).model).toBe('gpt-5-mini')
  })

  it('unmodelled fields and item types pass validation', () => {
    const hub = decode({
      input: [{ type: 'compaction', id: 'cmp_1', encrypted_content: 'x' }, { role: 'user', content: 'hi', phase: 'final_answer' }],
      store: false,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'k',
      client_metadata: '{}',
      previous_response_id: 'resp_1',
    })
    expect(hub.messages[0]!.content[0]).toMatchObject({ type: 'native', label: 'input item "compaction"' })
  })
})

describe('encodeRequest', () => {
  it('system → instructions, later system messages → developer messages, text and images as parts', () => {
    const { body } = encode({
      system: [{ type: 'text', text: 'Sys A' }, { type: 'text', text: 'Sys B' }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
            { type: 'image', source: { kind: 'url', url: 'https://x/y.png' }, detail: 'low' },
          ],
        },
        { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] },
        { role: 'system', content: [{ type: 'text', text: 'Be terse.' }] },
      ],
    })
    expect(body.instructions).toBe('Sys A\n\nSys B')
    expect(body.input).toEqual([
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'What is this?' },
          { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
          { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' },
        ],
      },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'A cat.' }] },
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be terse.' }] },
    ])
  })

  it('tools: function tools non-strict unless said, custom tools with their format, foreign native tools left out', () => {
    const { body, warnings } = encode({
      tools: [
        { name: 'f', parameters: { type: 'object' } },
        { name: 'g', description: 'G', parameters: { type: 'object' }, strict: true },
        { kind: 'custom', name: 'sql', description: 'SQL', parameters: {}, customFormat: { type: 'text' } },
        { native: { protocol: 'anthropic', label: 'tool "web_search_20250305"', raw: {} }, name: 'web_search', parameters: {} },
      ],
      toolChoice: { type: 'tool', name: 'sql' },
    })
    expect(body.tools).toEqual([
      { type: 'function', name: 'f', parameters: { type: 'object' }, strict: false },
      { type: 'function', name: 'g', description: 'G', parameters: { type: 'object' }, strict: true },
      { type: 'custom', name: 'sql', description: 'SQL', format: { type: 'text' } },
    ])
    expect(body.tool_choice).toEqual({ type: 'custom', name: 'sql' })
    expect(warnings).toEqual(['tool "web_search_20250305" left out: the upstream does not offer it'])
    expect(encode({ tools: [{ name: 'f', parameters: {} }], toolChoice: { type: 'tool', name: 'f' } }).body.tool_choice).toEqual({ type: 'function', name: 'f' })
    expect(encode({ toolChoice: { type: 'none' } }).body.tool_choice).toBe('none')
  })

  it('tool calls and results: function and custom, with results of the matching kind', () => {
    const { body } = encode({
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'c1', name: 'f', arguments: '' },
            { type: 'tool_call', id: 'c2', name: 'sql', arguments: 'SELECT 1', kind: 'custom' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', toolCallId: 'c1', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }], isError: true },
            { type: 'tool_result', toolCallId: 'c2', content: '1 row' },
            { type: 'text', text: 'And now?' },
          ],
        },
      ],
    })
    expect(body.input).toEqual([
      { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
      { type: 'custom_tool_call', call_id: 'c2', name: 'sql', input: 'SELECT 1' },
      { type: 'function_call_output', call_id: 'c1', output: 'a\n\nb' },
      { type: 'custom_tool_call_output', call_id: 'c2', output: '1 row' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And now?' }] },
    ])
  })

  it('reasoning models: encrypted reasoning included, effort from the budget, sampling knobs dropped', () => {
    const { body, warnings } = encode({ thinking: { enabled: true, budgetTokens: 6000 }, temperature: 0.5, topP: 0.9, maxTokens: 800 })
    expect(body).toMatchObject({
      store: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'medium', summary: 'auto' },
      max_output_tokens: 800,
    })
    expect(body.temperature).toBeUndefined()
    expect(body.top_p).toBeUndefined()
    expect(warnings).toEqual([
      'temperature dropped: gpt-5 is a reasoning model and does not accept it.',
      'top_p dropped: gpt-5 is a reasoning model and does not accept it.',
    ])
    expect(encode({ thinking: { enabled: true, budgetTokens: 1024 } }).body.reasoning.effort).toBe('low')
    expect(encode({ thinking: { enabled: true, budgetTokens: 20000 } }).body.reasoning.effort).toBe('high')
    expect(encode({ thinking: { enabled: true, effort: 'max' } }).body.reasoning.effort).toBe('xhigh')
    // No thinking asked: the model's own default, and no summary (which needs a verified organization).
    const plain = encode({}).body
    expect(plain.reasoning).toBeUndefined()
    expect(plain.include).toEqual(['reasoning.encrypted_content'])
  })

  it('non-reasoning models: no include or reasoning (OpenAI refuses them), sampling kept', () => {
    const { body, warnings } = encode({ thinking: { enabled: true, effort: 'high' }, temperature: 0.5 }, openaiQuirks, 'gpt-4.1')
    expect(body.include).toBeUndefined()
    expect(body.reasoning).toBeUndefined()
    expect(body.temperature).toBe(0.5)
    expect(body.store).toBe(false)
    expect(warnings).toEqual(['Reasoning settings dropped: gpt-4.1 is not configured as a reasoning model.'])
    // With no provider flag, asking for thinking is taken to mean the model reasons.
    expect(encode({ thinking: { enabled: true, effort: 'low' } }, {}, 'some-model').body.reasoning).toEqual({ effort: 'low', summary: 'auto' })
  })

  it('what the Responses API lacks is dropped with a warning; a tiny token limit is raised', () => {
    const { body, warnings } = encode({ topK: 5, stopSequences: ['END'], seed: 1, frequencyPenalty: 0.1, presencePenalty: 0.1, maxTokens: 5 })
    expect(body.max_output_tokens).toBe(16)
    for (const field of ['top_k', 'stop', 'seed', 'frequency_penalty', 'presence_penalty']) expect(body[field]).toBeUndefined()
    expect(warnings).toHaveLength(6)
  })

  it('output format, user, metadata, parallel tool calls and stream', () => {
    const { body } = encode({
      responseFormat: { type: 'json_schema', schema: { type: 'object' }, strict: true },
      userId: 'u1',
      metadata: { a: 'b' },
      parallelToolCalls: false,
      stream: false,
    })
    expect(body).toMatchObject({
      text: { format: { type: 'json_schema', name: 'response', schema: { type: 'object' }, strict: true } },
      user: 'u1',
      metadata: { a: 'b' },
      parallel_tool_calls: false,
      stream: false,
    })
  })

  it('refuses what an OpenAI Responses upstream cannot take', () => {
    expect(() => encode({ n: 2 })).toThrow(/n=2/)
    expect(() =>
      encode({ messages: [{ role: 'user', content: [{ type: 'native', protocol: 'anthropic', label: 'content block "document"', raw: {} }] }] }),
    ).toThrow('content block "document" cannot be sent to an OpenAI Responses upstream')
  })

  it('reasoning in the history: only OpenAI\'s own, with encrypted content, and only for reasoning models', () => {
    const messages: HubRequest['messages'] = [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'mine', signature: 'enc', format: 'openai-responses-v1', id: 'rs_1' },
          { type: 'thinking', text: 'summary only', id: 'rs_2' },
          { type: 'thinking', text: 'deepseek says' },
          { type: 'redacted_thinking', data: 'enc2', format: 'openai-responses-v1', id: 'rs_3' },
          { type: 'text', text: 'a' },
        ],
      },
    ]
    const { body, warnings } = encode({ messages })
    expect(body.input.filter((i: any) => i.type === 'reasoning')).toEqual([
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'mine' }], encrypted_content: 'enc' },
      { type: 'reasoning', id: 'rs_3', summary: [], encrypted_content: 'enc2' },
    ])
    expect(warnings).toEqual([
      'reasoning without encrypted content dropped from the history (with store: false OpenAI cannot look it up by id)',
      'reasoning from another provider dropped from the history (OpenAI accepts only its own encrypted reasoning)',
    ])
    const old = encode({ messages }, openaiQuirks, 'gpt-4o')
    expect(old.body.input.some((i: any) => i.type === 'reasoning')).toBe(false)
    expect(old.warnings).toContain('reasoning dropped from the history: the model is not a reasoning model')
  })
})
