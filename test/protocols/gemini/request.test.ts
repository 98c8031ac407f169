import { describe, expect, it } from 'vitest'
import { checkToolHistory } from '../../../src/hub/check-tool-history'
import { GatewayError } from '../../../src/hub/errors'
import type { HubMessage } from '../../../src/hub/request'
import { packCallId } from '../../../src/hub/signature-envelope'
import { anthropic } from '../../../src/protocols/anthropic'
import { EFFORT_BUDGET, gemini, SKIP_SIGNATURE } from '../../../src/protocols/gemini'
import { decodeCountTokensRequest, encodeCountTokensResponse } from '../../../src/protocols/gemini/count-tokens'
import { ctx, hubReq } from './helpers'

const user = (text: string) => ({ role: 'user', parts: [{ text }] })
const decode = (body: Record<string, unknown>, model = 'gemini-2.5-flash') =>
  gemini.decodeRequest({ contents: [user('hi')], ...body }, { model, stream: false })

function badRequest(fn: () => unknown): GatewayError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError)
    expect((err as GatewayError).status).toBe(400)
    return err as GatewayError
  }
  throw new Error('expected a 400')
}

describe('decodeRequest', () => {
  it('takes the model and streaming from the URL, not the body', () => {
    const hub = gemini.decodeRequest({ contents: [user('hi')] }, { model: 'models/gemini-2.5-pro', stream: true })
    expect(hub.model).toBe('gemini-2.5-pro')
    expect(hub.stream).toBe(true)
    expect(gemini.decodeRequest({ contents: [user('hi')] }, { model: 'x' }).stream).toBe(false)
    expect(badRequest(() => gemini.decodeRequest({ contents: [user('hi')] })).message).toMatch(/^model: missing/)
  })

  it('names the offending field', () => {
    expect(badRequest(() => decode({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] })).message).toMatch(/^contents\[0\]\.role:/)
    expect(badRequest(() => decode({ contents: [] })).param).toBe('contents')
    expect(badRequest(() => decode({ generationConfig: { temperature: 3 } })).param).toBe('generationConfig.temperature')
    expect(badRequest(() => decode({ contents: [{ role: 'user', parts: [{ functionCall: { name: 'f' } }] }] })).param).toBe(
      'contents[0].parts[0].functionCall',
    )
  })

  it('maps roles, system instruction, text, thoughts and media', () => {
    const hub = decode({
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Be kind.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'look' }, { inlineData: { mimeType: 'image/png', data: 'iVBOR' } }, { fileData: { mimeType: 'image/jpeg', fileUri: 'https://x/y.jpg' } }] },
        {
          role: 'model',
          parts: [
            { text: 'pondering', thought: true, thoughtSignature: 'sig-thought' },
            { text: 'A cat.', thoughtSignature: 'sig-text' },
            { executableCode: { language: 'PYTHON', code: 'print(1)' } },
          ],
        },
        { parts: [{ inlineData: { mimeType: 'application/pdf', data: 'JVBER' } }, { fileData: { mimeType: 'video/mp4', fileUri: 'gs://v' } }] },
      ],
    })
    expect(hub.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Be kind.' },
    ])
    expect(hub.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { kind: 'url', url: 'https://x/y.jpg' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', text: 'pondering', signature: 'sig-thought', format: 'google-gemini-v1' },
          { type: 'text', text: 'A cat.' },
          { type: 'thinking', text: '', signature: 'sig-text', format: 'google-gemini-v1' },
          { type: 'native', protocol: 'gemini', label: 'part "executableCode"', raw: { executableCode: { language: 'PYTHON', code: 'print(1)' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'native', protocol: 'gemini', label: 'part "inlineData"', raw: { inlineData: { mimeType: 'application/pdf', data: 'JVBER' } } },
          { type: 'native', protocol: 'gemini', label: 'part "fileData"', raw: { fileData: { mimeType: 'video/mp4', fileUri: 'gs://v' } } },
        ],
      },
    ])
    // And back to Gemini, part for part.
    const out = gemini.encodeRequest(hub, ctx()) as any
    expect(out.contents[1].parts).toEqual([
      { text: 'pondering', thought: true, thoughtSignature: 'sig-thought' },
      { text: 'A cat.', thoughtSignature: 'sig-text' },
      { executableCode: { language: 'PYTHON', code: 'print(1)' } },
    ])
    expect(out.contents[2].parts[0]).toEqual({ inlineData: { mimeType: 'application/pdf', data: 'JVBER' } })
  })

  it('reads the snake_case spelling Google’s curl examples use, leaving arguments and schemas alone', () => {
    const hub = gemini.decodeRequest(
      {
        system_instruction: { parts: [{ text: 'sys' }] },
        contents: [
          { role: 'user', parts: [{ inline_data: { mime_type: 'image/png', data: 'AAA' } }] },
          { role: 'model', parts: [{ function_call: { name: 'f', args: { some_arg: 1 } } }] },
          { role: 'user', parts: [{ function_response: { name: 'f', response: { the_output: 2 } } }] },
        ],
        tools: [{ function_declarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { some_arg: { type: 'INTEGER' } } } }] }],
        tool_config: { function_calling_config: { mode: 'any', allowed_function_names: ['f'] } },
        generation_config: { max_output_tokens: 50, thinking_config: { thinking_budget: 0 } },
      },
      { model: 'm' },
    )
    expect(hub.system).toEqual([{ type: 'text', text: 'sys' }])
    expect(hub.messages[0]!.content[0]).toEqual({ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAA' } })
    expect(hub.messages[1]!.content[0]).toMatchObject({ type: 'tool_call', name: 'f', arguments: '{"some_arg":1}' })
    expect(hub.messages[2]!.content[0]).toMatchObject({ type: 'tool_result', content: '{"the_output":2}' })
    expect(hub.tools![0]!.parameters).toEqual({ type: 'object', properties: { some_arg: { type: 'integer' } } })
    expect(hub.toolChoice).toEqual({ type: 'tool', name: 'f' })
    expect(hub.maxTokens).toBe(50)
    expect(hub.thinking).toEqual({ enabled: false })
  })

  it('synthesizes stable call ids and pairs N responses by name and order', () => {
    const body = {
      contents: [
        user('find things'),
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'search', args: { q: 'one' } } },
            { functionCall: { name: 'search', args: { q: 'two' } } },
            { functionCall: { name: 'read', args: { path: '/a' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'read', response: { output: 'A' } } },
            { functionResponse: { name: 'search', response: { output: 'first' } } },
            { functionResponse: { name: 'search', response: { output: 'second' } } },
          ],
        },
        { role: 'model', parts: [{ functionCall: { name: 'read', args: { path: '/b' } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'read', response: { error: 'no such file' } } }] },
      ],
    }
    const hub = decode(body)
    const ids = hub.messages[1]!.content.map((p) => (p.type === 'tool_call' ? p.id : ''))
    expect(ids).toEqual(['call_1_0', 'call_1_1', 'call_1_2'])
    expect(decode(body).messages[1]!.content.map((p) => (p.type === 'tool_call' ? p.id : ''))).toEqual(ids) // stable
    expect(hub.messages[2]!.content).toEqual([
      { type: 'tool_result', toolCallId: 'call_1_2', content: 'A' },
      { type: 'tool_result', toolCallId: 'call_1_0', content: 'first' },
      { type: 'tool_result', toolCallId: 'call_1_1', content: 'second' },
    ])
    expect(hub.messages[4]!.content).toEqual([{ type: 'tool_result', toolCallId: 'call_3_0', content: 'no such file', isError: true }])
    expect(() => checkToolHistory(hub)).not.toThrow()

    // An Anthropic upstream sees matching pairs.
    const out = anthropic.encodeRequest(hub, ctx('claude')) as any
    const uses = out.messages[1].content.map((b: any) => [b.id, b.input])
    const results = out.messages[2].content.map((b: any) => [b.tool_use_id, b.content])
    expect(uses).toEqual([
      ['call_1_0', { q: 'one' }],
      ['call_1_1', { q: 'two' }],
      ['call_1_2', { path: '/a' }],
    ])
    expect(results).toEqual([
      ['call_1_2', 'A'],
      ['call_1_0', 'first'],
      ['call_1_1', 'second'],
    ])

    // And a Gemini upstream gets names and responses back.
    const back = gemini.encodeRequest(hub, ctx()) as any
    expect(back.contents[2].parts).toEqual([
      { functionResponse: { id: 'call_1_2', name: 'read', response: { output: 'A' } } },
      { functionResponse: { id: 'call_1_0', name: 'search', response: { output: 'first' } } },
      { functionResponse: { id: 'call_1_1', name: 'search', response: { output: 'second' } } },
    ])
    expect(back.contents[4].parts).toEqual([{ functionResponse: { id: 'call_3_0', name: 'read', response: { error: 'no such file' } } }])
  })

  it('uses the client’s ids when it sends them', () => {
    const hub = decode({
      contents: [
        user('x'),
        { role: 'model', parts: [{ functionCall: { id: 'a1', name: 'f', args: {} } }, { functionCall: { id: 'a2', name: 'f', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { id: 'a2', name: 'f', response: { output: '2' } } }, { functionResponse: { name: 'f', response: { output: '1' } } }] },
      ],
    })
    expect(hub.messages[2]!.content.map((p) => (p.type === 'tool_result' ? p.toolCallId : ''))).toEqual(['a2', 'a1'])
  })

  it('maps tools, native tools and tool config', () => {
    const hub = decode({
      tools: [
        { functionDeclarations: [{ name: 'a', description: 'A' }, { name: 'b', parametersJsonSchema: { type: 'object', properties: { x: { type: 'string' } } } }, { name: 'c' }] },
        { googleSearch: {} },
        { codeExecution: {} },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['a', 'b'] } },
    })
    expect(hub.toolChoice).toEqual({ type: 'required' })
    expect(hub.tools).toEqual([
      { name: 'a', description: 'A', parameters: { type: 'object', properties: {} } },
      { name: 'b', parameters: { type: 'object', properties: { x: { type: 'string' } } } },
      { native: { protocol: 'gemini', label: 'tool "googleSearch"', raw: { googleSearch: {} } }, name: 'googleSearch', parameters: {} },
      { native: { protocol: 'gemini', label: 'tool "codeExecution"', raw: { codeExecution: {} } }, name: 'codeExecution', parameters: {} },
    ])
    const tools = [{ functionDeclarations: [{ name: 'a' }] }]
    expect(decode({ tools, toolConfig: { functionCallingConfig: { mode: 'AUTO' } } }).toolChoice).toEqual({ type: 'auto' })
    expect(decode({ tools, toolConfig: { functionCallingConfig: { mode: 'NONE' } } }).toolChoice).toEqual({ type: 'none' })
    expect(decode({ tools, toolConfig: { functionCallingConfig: { mode: 'ANY' } } }).toolChoice).toEqual({ type: 'required' })
    expect(decode({ tools, toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['a'] } } }).toolChoice).toEqual({
      type: 'tool',
      name: 'a',
    })
  })

  it('maps generation config and thinking config', () => {
    const hub = decode({
      generationConfig: {
        temperature: 0.3,
        topP: 0.9,
        topK: 40,
        maxOutputTokens: 100,
        stopSequences: ['END'],
        seed: 7,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
        candidateCount: 2,
        responseMimeType: 'application/json',
      },
    })
    expect(hub).toMatchObject({
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      maxTokens: 100,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      n: 2,
      responseFormat: { type: 'json_object' },
    })
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    expect(decode({ generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } }).responseFormat).toEqual({
      type: 'json_schema',
      schema,
    })
    expect(
      decode({ generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } } })
        .responseFormat,
    ).toEqual({ type: 'json_schema', schema })
    const thinking = (thinkingConfig: unknown) => decode({ generationConfig: { thinkingConfig } }).thinking
    expect(thinking({ thinkingBudget: 0 })).toEqual({ enabled: false })
    expect(thinking({ thinkingBudget: 1024, includeThoughts: true })).toEqual({ enabled: true, budgetTokens: 1024 })
    expect(thinking({ thinkingBudget: -1 })).toEqual({ enabled: true, adaptive: true })
    expect(thinking({ thinkingLevel: 'LOW' })).toEqual({ enabled: true, effort: 'low' })
    expect(thinking({ thinkingLevel: 'high', includeThoughts: true })).toEqual({ enabled: true, effort: 'high' })
    expect(thinking({ includeThoughts: true })).toEqual({ enabled: true })
    expect(thinking({ includeThoughts: false })).toBeUndefined()
  })
})

describe('encodeRequest', () => {
  it('puts system text in systemInstruction and mid-conversation system text in a user turn; merges same-role turns', () => {
    const c = ctx()
    const out = gemini.encodeRequest(
      hubReq({
        system: [{ type: 'text', text: 'top' }],
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'lead' }] },
          { role: 'user', content: [{ type: 'text', text: 'q1' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'a1' }] },
          { role: 'system', content: [{ type: 'text', text: 'be terse now' }] },
          { role: 'user', content: [{ type: 'text', text: 'q2' }, { type: 'text', text: '' }] },
          { role: 'assistant', content: [{ type: 'text', text: '' }] },
        ],
      }),
      c,
    ) as any
    expect(out.systemInstruction).toEqual({ parts: [{ text: 'top' }, { text: 'lead' }] })
    expect(out.contents).toEqual([
      { role: 'user', parts: [{ text: 'q1' }] },
      { role: 'model', parts: [{ text: 'a1' }] },
      { role: 'user', parts: [{ text: 'be terse now' }, { text: 'q2' }] },
    ])
  })

  it('sends tool calls with bare ids and signatures, and results with the function name in one user turn', () => {
    const messages: HubMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_call', id: packCallId('call_a', 'SIG-A'), name: 'look', arguments: '{"at":1}' },
          { type: 'tool_call', id: 'toolu_b', name: 'grab', arguments: '' },
          { type: 'tool_call', id: 'call_c', name: 'shell', arguments: 'ls -la', kind: 'custom' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', toolCallId: packCallId('call_a', 'SIG-A'), content: 'seen' },
          { type: 'tool_result', toolCallId: 'toolu_b', content: '{"got": [1, 2]}' },
          {
            type: 'tool_result',
            toolCallId: 'call_c',
            content: [
              { type: 'text', text: 'listing' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'PNG' } },
            ],
            isError: true,
          },
          { type: 'text', text: 'and now?' },
        ],
      },
    ]
    const out = gemini.encodeRequest(hubReq({ messages }), ctx()) as any
    expect(out.contents[1]).toEqual({
      role: 'model',
      parts: [
        { functionCall: { id: 'call_a', name: 'look', args: { at: 1 } }, thoughtSignature: 'SIG-A' },
        { functionCall: { id: 'toolu_b', name: 'grab', args: {} } },
        { functionCall: { id: 'call_c', name: 'shell', args: { input: 'ls -la' } } },
      ],
    })
    expect(out.contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { id: 'call_a', name: 'look', response: { output: 'seen' } } },
        { functionResponse: { id: 'toolu_b', name: 'grab', response: { got: [1, 2] } } },
        { functionResponse: { id: 'call_c', name: 'shell', response: { error: 'listing' } } },
        { text: 'and now?' },
        { inlineData: { mimeType: 'image/png', data: 'PNG' } },
      ],
    })
  })

  it('gives function calls that lost their signature Gemini’s placeholder, once per model turn', () => {
    const c = ctx('gemini-3-pro-preview')
    const out = gemini.encodeRequest(
      hubReq({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'go' }] },
          {
            role: 'assistant',
            content: [
              { type: 'tool_call', id: 'toolu_1', name: 'a', arguments: '{}' },
              { type: 'tool_call', id: 'toolu_2', name: 'b', arguments: '{}' },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', toolCallId: 'toolu_1', content: '1' },
              { type: 'tool_result', toolCallId: 'toolu_2', content: '2' },
            ],
          },
          { role: 'assistant', content: [{ type: 'tool_call', id: 'x', name: 'a', arguments: '{}', signature: 'REAL' }] },
          { role: 'user', content: [{ type: 'tool_result', toolCallId: 'x', content: '3' }] },
        ],
      }),
      c,
    ) as any
    expect(out.contents[1].parts.map((p: any) => p.thoughtSignature)).toEqual([SKIP_SIGNATURE, undefined])
    expect(out.contents[3].parts[0].thoughtSignature).toBe('REAL')
    expect(c.warnings).toEqual([])
  })

  it('keeps Gemini thoughts, drops other providers’ reasoning with one warning', () => {
    const c = ctx()
    const out = gemini.encodeRequest(
      hubReq({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'q' }] },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', text: 'claude thinks', signature: 'anthropic-sig', format: 'anthropic-claude-v1' },
              { type: 'thinking', text: 'plain reasoning' },
              { type: 'redacted_thinking', data: 'enc', format: 'openai-responses-v1' },
              { type: 'thinking', text: 'gemini thinks', format: 'google-gemini-v1' },
              { type: 'thinking', text: '', signature: 'lead-sig', format: 'google-gemini-v1' },
              { type: 'text', text: 'answer' },
            ],
          },
          { role: 'user', content: [{ type: 'text', text: 'q2' }] },
        ],
      }),
      c,
    ) as any
    // The signature-only part lands on the thought before it.
    expect(out.contents[1].parts).toEqual([{ text: 'gemini thinks', thought: true, thoughtSignature: 'lead-sig' }, { text: 'answer' }])
    expect(c.warnings).toEqual([
      'reasoning from another provider dropped from the history (Gemini accepts only its own thoughts)',
      'encrypted reasoning from another provider dropped from the history',
    ])
  })

  it('refuses native parts of other protocols, naming them', () => {
    const err = badRequest(() =>
      gemini.encodeRequest(
        hubReq({
          messages: [{ role: 'user', content: [{ type: 'native', protocol: 'anthropic', label: 'content block "document"', raw: {} }] }],
        }),
        ctx(),
      ),
    )
    expect(err.message).toBe('content block "document" cannot be sent to a Gemini upstream')
    expect(err.param).toBe('messages[0].content[0]')
  })

  it('sends images inline or by URI', () => {
    const out = gemini.encodeRequest(
      hubReq({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { kind: 'url', url: 'data:image/webp;base64,UklG' } },
              { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.png?size=2' } },
              { type: 'image', source: { kind: 'url', url: 'gs://bucket/photo' } },
            ],
          },
        ],
      }),
      ctx(),
    ) as any
    expect(out.contents[0].parts).toEqual([
      { inlineData: { mimeType: 'image/webp', data: 'UklG' } },
      { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png?size=2' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'gs://bucket/photo' } },
    ])
  })

  it('maps tools, native tools and tool choice; other protocols’ native tools are left out with a warning', () => {
    const c = ctx()
    const fn = { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } }
    const out = gemini.encodeRequest(
      hubReq({
        tools: [
          fn,
          { native: { protocol: 'gemini', label: 'tool "googleSearch"', raw: { googleSearch: {} } }, name: 'googleSearch', parameters: {} },
          { native: { protocol: 'anthropic', label: 'tool "web_search_20250305"', raw: {} }, name: 'web_search', parameters: {} },
          { name: 'apply_patch', kind: 'custom', description: 'Patch', parameters: {} },
        ],
        toolChoice: { type: 'tool', name: 'f' },
        parallelToolCalls: false,
      }),
      c,
    ) as any
    expect(out.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } },
          {
            name: 'apply_patch',
            description: 'Patch',
            parameters: {
              type: 'object',
              properties: { input: { type: 'string', description: 'The raw input for this tool.' } },
              required: ['input'],
            },
          },
        ],
      },
      { googleSearch: {} },
    ])
    expect(out.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } })
    expect(c.warnings).toEqual([
      'tool "web_search_20250305" left out: the upstream does not offer it',
      'parallel_tool_calls=false dropped: Gemini has no such switch',
    ])

    const choice = (toolChoice: any) => (gemini.encodeRequest(hubReq({ tools: [fn], toolChoice }), ctx()) as any).toolConfig
    expect(choice({ type: 'auto' })).toEqual({ functionCallingConfig: { mode: 'AUTO' } })
    expect(choice({ type: 'none' })).toEqual({ functionCallingConfig: { mode: 'NONE' } })
    expect(choice({ type: 'required' })).toEqual({ functionCallingConfig: { mode: 'ANY' } })
    const none = ctx()
    expect((gemini.encodeRequest(hubReq({ toolChoice: { type: 'required' } }), none) as any).toolConfig).toBeUndefined()
    expect(none.warnings).toEqual(['tool_choice dropped: the request has no function tools'])
  })

  it('maps sampling, limits and output format into generationConfig', () => {
    const c = ctx()
    const out = gemini.encodeRequest(
      hubReq({
        temperature: 1.5,
        topP: 0.8,
        topK: 20,
        maxTokens: 256,
        stopSequences: ['a', 'b', 'c', 'd', 'e', 'f'],
        seed: 3,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        responseFormat: { type: 'json_object' },
        userId: 'u-1',
        metadata: { k: 'v' },
      }),
      c,
    ) as any
    expect(out.generationConfig).toEqual({
      temperature: 1.5,
      topP: 0.8,
      topK: 20,
      maxOutputTokens: 256,
      stopSequences: ['a', 'b', 'c', 'd', 'e'],
      seed: 3,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      responseMimeType: 'application/json',
    })
    expect(c.warnings).toEqual([
      'stop sequences after the first 5 dropped (Gemini accepts at most 5)',
      'user id dropped: Gemini has no end-user field',
      'metadata dropped: Gemini has no metadata field',
    ])
    expect(badRequest(() => gemini.encodeRequest(hubReq({ n: 2 }), ctx())).param).toBe('n')
    expect((gemini.encodeRequest(hubReq({ n: 1 }), ctx()) as any).generationConfig).toBeUndefined()
  })

  it('maps thinking to budgets (Gemini 2.5) or levels (Gemini 3)', () => {
    const config = (thinking: any, model = 'gemini-2.5-flash') => {
      const c = ctx(model)
      return { sent: (gemini.encodeRequest(hubReq({ thinking }), c) as any).generationConfig?.thinkingConfig, warnings: c.warnings }
    }
    expect(config({ enabled: false }).sent).toEqual({ thinkingBudget: 0 })
    const off = config({ enabled: false }, 'gemini-3-flash-preview')
    expect(off.sent).toEqual({ thinkingLevel: 'minimal' })
    expect(off.warnings).toEqual(['thinking cannot be turned off on gemini-3-flash-preview: thinkingLevel minimal sent'])
    expect(config({ enabled: false }, 'gemini-3.1-pro-preview').sent).toEqual({ thinkingLevel: 'low' })
    expect(config({ enabled: true, budgetTokens: 3000 }).sent).toEqual({ thinkingBudget: 3000, includeThoughts: true })
    expect(config({ enabled: true, budgetTokens: 3000 }, 'gemini-3-pro-preview').sent).toEqual({ thinkingBudget: 3000, includeThoughts: true })
    expect(config({ enabled: true, effort: 'medium' }).sent).toEqual({ thinkingBudget: EFFORT_BUDGET.medium, includeThoughts: true })
    expect(config({ enabled: true, effort: 'low' }, 'gemini-3-flash-preview').sent).toEqual({ thinkingLevel: 'low', includeThoughts: true })
    const max = config({ enabled: true, effort: 'max' }, 'gemini-3.1-pro-preview')
    expect(max.sent).toEqual({ thinkingLevel: 'high', includeThoughts: true })
    expect(max.warnings).toEqual(["effort max sent as thinkingLevel high (Gemini's highest)"])
    expect(config({ enabled: true, adaptive: true }).sent).toEqual({ thinkingBudget: -1, includeThoughts: true })
    expect(config({ enabled: true }).sent).toEqual({ includeThoughts: true })
    expect(config(undefined).sent).toBeUndefined()
  })
})

describe('countTokens', () => {
  it('reads both request forms and answers {totalTokens}', () => {
    const plain = decodeCountTokensRequest({ contents: [user('hello')] }, 'gemini-2.5-flash')
    expect(plain.model).toBe('gemini-2.5-flash')
    expect(plain.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hello' }] }])
    const full = decodeCountTokensRequest(
      {
        generateContentRequest: {
          model: 'models/gemini-2.5-flash',
          contents: [user('hello')],
          systemInstruction: { parts: [{ text: 'sys' }] },
          tools: [{ functionDeclarations: [{ name: 'f' }] }],
        },
      },
      'gemini-2.5-flash',
    )
    expect(full.system).toEqual([{ type: 'text', text: 'sys' }])
    expect(full.tools!.map((t) => t.name)).toEqual(['f'])
    expect(encodeCountTokensResponse(42)).toEqual({ totalTokens: 42 })
  })
})

describe('upstreamPath', () => {
  it('puts the model and the streaming mode in the path', () => {
    expect(gemini.upstreamPath('gemini-2.5-flash', false)).toBe('/v1beta/models/gemini-2.5-flash:generateContent')
    expect(gemini.upstreamPath('models/gemini-2.5-flash', true)).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
  })
})
