import { describe, expect, it } from 'vitest'
import type { HubResponse } from '../../../src/hub/response'
import { anthropic } from '../../../src/protocols/anthropic'
import { gemini } from '../../../src/protocols/gemini'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { openaiResponses } from '../../../src/protocols/openai-responses'
import { flatToolName } from '../../../src/protocols/openai-responses/namespaces'
import { readClientRequest } from '../../helpers/fixtures'
import { context, decodeEvents, encodeEvents, openaiQuirks, sse } from './helpers'

/** Newest-Codex requests: tools in `additional_tools` namespaces (test/fixtures/clients/codex-namespace). */
const body = (file: string) => structuredClone(readClientRequest('codex-namespace', file).body)
const PORTABLE = /^[a-zA-Z0-9_-]{1,64}$/

describe('flat tool names', () => {
  it('bare in the default namespace and for a namespace named like the tool; <namespace>__<name> otherwise', () => {
    expect(flatToolName('functions', 'exec')).toBe('exec')
    expect(flatToolName(undefined, 'exec')).toBe('exec')
    expect(flatToolName('get_weather', 'get_weather')).toBe('get_weather')
    expect(flatToolName('mcp__docs', 'search')).toBe('mcp__docs__search')
    // Codex's own joiner trims underscores around the delimiter.
    expect(flatToolName('mcp__docs_', '_search')).toBe('mcp__docs__search')
  })

  it('too long or with characters some provider refuses: portable, stable and distinct', () => {
    const long = flatToolName('mcp__' + 'a'.repeat(60), 'search')
    expect(long).toMatch(PORTABLE)
    expect(flatToolName('mcp__' + 'a'.repeat(60), 'search')).toBe(long)
    expect(flatToolName('mcp__' + 'a'.repeat(60), 'fetch')).not.toBe(long)
    const dotted = flatToolName('mcp.docs', 'search')
    expect(dotted).toMatch(PORTABLE)
    expect(dotted).not.toBe(flatToolName('mcp_docs', 'search'))
  })
})

describe('decoding the newest Codex request', () => {
  it('turn 1: every namespaced tool becomes a hub tool under a portable name; web_search stays OpenAI-only', () => {
    const hub = openaiResponses.decodeRequest(body('01-v1-responses.json'))
    const tools = hub.tools ?? []
    expect(tools.filter((t) => !t.native).map((t) => t.name)).toEqual(['exec', 'wait', 'apply_patch', 'mcp__docs__search'])
    for (const t of tools.filter((t) => !t.native)) expect(t.name).toMatch(PORTABLE)
    expect(tools.find((t) => t.name === 'exec')).toMatchObject({
      kind: 'custom',
      customFormat: { type: 'grammar', syntax: 'lark' },
      namespace: { name: 'functions', localName: 'exec', description: "Codex's own tools." },
    })
    expect(tools.find((t) => t.name === 'mcp__docs__search')).toMatchObject({
      namespace: { name: 'mcp__docs', localName: 'search' },
      parameters: { properties: { query: { type: 'string' } }, required: ['query'] },
    })
    expect(tools.filter((t) => t.native).map((t) => t.native!.label)).toEqual(['tool "web_search"'])
    // The additional_tools item is no message.
    expect(hub.messages.every((m) => m.content.every((p) => p.type !== 'native'))).toBe(true)
  })

  it('turn 2: the namespaced custom call and its content-list output become a tool call and a text + image result', () => {
    const hub = openaiResponses.decodeRequest(body('02-v1-responses.json'))
    const [assistant, outputs] = hub.messages.slice(-2)
    expect(assistant!.content.find((p) => p.type === 'tool_call')).toMatchObject({
      id: 'call_exec_7d41c2a9',
      name: 'exec',
      kind: 'custom',
      namespace: { name: 'functions', localName: 'exec' },
      arguments: expect.stringContaining('tools.exec_command'),
    })
    expect(outputs!.content).toEqual([
      {
        type: 'tool_result',
        toolCallId: 'call_exec_7d41c2a9',
        content: [
          { type: 'text', text: expect.stringContaining('Script completed') },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: expect.any(String) }, detail: 'high' },
        ],
      },
    ])
  })

  it('a tool_choice naming a namespaced tool picks its flat name; toward a Responses upstream it names the namespace again', () => {
    const b = { ...body('01-v1-responses.json'), tool_choice: { type: 'function', name: 'search', namespace: 'mcp__docs' } }
    const hub = openaiResponses.decodeRequest(b)
    expect(hub.toolChoice).toEqual({ type: 'tool', name: 'mcp__docs__search' })
    expect((anthropic.encodeRequest(hub, context({}, 'claude-x')) as any).tool_choice).toMatchObject({ type: 'tool', name: 'mcp__docs__search' })
    const out = openaiResponses.encodeRequest(hub, context(openaiQuirks, 'gpt-5.5')) as any
    expect(out.tool_choice).toEqual({ type: 'function', name: 'search', namespace: 'mcp__docs' })
  })

  it('a tool repeated in a later additional_tools item is offered once', () => {
    const b = body('01-v1-responses.json')
    b.input.push(structuredClone(b.input[0]))
    const names = (openaiResponses.decodeRequest(b).tools ?? []).filter((t) => !t.native).map((t) => t.name)
    expect(names).toEqual(['exec', 'wait', 'apply_patch', 'mcp__docs__search'])
  })
})

describe('encoding turn 2 for each back end', () => {
  const hub = () => openaiResponses.decodeRequest(body('02-v1-responses.json'))

  it('Anthropic: exec as a one-string-argument tool, the call as tool_use, the output as a text + image tool_result', () => {
    const c = context({}, 'claude-x')
    const out = anthropic.encodeRequest(hub(), c) as any
    expect(out.tools.map((t: any) => t.name)).toEqual(['exec', 'wait', 'apply_patch', 'mcp__docs__search'])
    expect(out.tools[0].input_schema).toMatchObject({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'] })
    expect(c.warnings.join(' ')).toContain('web_search')
    const assistant = out.messages.at(-2)
    expect(assistant.content.find((b: any) => b.type === 'tool_use')).toMatchObject({
      id: 'call_exec_7d41c2a9',
      name: 'exec',
      input: { input: expect.stringContaining('tools.exec_command') },
    })
    const result = out.messages.at(-1).content.find((b: any) => b.type === 'tool_result')
    expect(result.tool_use_id).toBe('call_exec_7d41c2a9')
    expect(result.content.map((b: any) => b.type)).toEqual(['text', 'image'])
  })

  it('Gemini: function declarations under the flat names, functionCall and functionResponse by name, the image after', () => {
    const out = gemini.encodeRequest(hub(), context({}, 'gemini-x')) as any
    const decls = out.tools.flatMap((t: any) => t.functionDeclarations ?? [])
    expect(decls.map((d: any) => d.name)).toEqual(['exec', 'wait', 'apply_patch', 'mcp__docs__search'])
    const parts = out.contents.flatMap((c: any) => c.parts)
    expect(parts.find((p: any) => p.functionCall)?.functionCall).toMatchObject({ name: 'exec', args: { input: expect.any(String) } })
    expect(parts.find((p: any) => p.functionResponse)?.functionResponse).toMatchObject({ name: 'exec' })
    expect(parts.some((p: any) => p.inlineData?.mimeType === 'image/png')).toBe(true)
  })

  it('OpenAI Chat: function tools, the call with {"input"} arguments, the text in the tool message and the image after it', () => {
    const out = openaiChat.encodeRequest(hub(), context({}, 'gpt-4.1')) as any
    expect(out.tools.map((t: any) => t.function.name)).toEqual(['exec', 'wait', 'apply_patch', 'mcp__docs__search'])
    const call = out.messages.flatMap((m: any) => m.tool_calls ?? [])[0]
    expect(call.function.name).toBe('exec')
    expect(JSON.parse(call.function.arguments).input).toContain('tools.exec_command')
    const tool = out.messages.find((m: any) => m.role === 'tool')
    expect(JSON.stringify(tool.content)).toContain('Script completed')
    expect(JSON.stringify(out.messages.at(-1))).toContain('data:image/png;base64,')
  })

  it('OpenAI Responses (translated): the namespaces regrouped with their own names, the call with its namespace', () => {
    const out = openaiResponses.encodeRequest(hub(), context(openaiQuirks, 'gpt-5.5')) as any
    const functions = out.tools.find((t: any) => t.type === 'namespace' && t.name === 'functions')
    expect(functions.tools.map((t: any) => [t.type, t.name])).toEqual([['custom', 'exec'], ['function', 'wait'], ['custom', 'apply_patch']])
    expect(out.tools.find((t: any) => t.name === 'mcp__docs')).toMatchObject({ type: 'namespace', tools: [{ type: 'function', name: 'search' }] })
    expect(out.tools.find((t: any) => t.type === 'web_search')).toBeDefined()
    expect(out.input.find((i: any) => i.type === 'custom_tool_call')).toMatchObject({ name: 'exec', namespace: 'functions' })
    const output = out.input.find((i: any) => i.type === 'custom_tool_call_output')
    expect(output.output.map((p: any) => p.type)).toEqual(['input_text', 'input_image'])
  })
})

describe('calls back to the Codex client', () => {
  const req = () => openaiResponses.decodeRequest(body('01-v1-responses.json'))
  const res = (name: string, args: string): HubResponse => ({
    id: 'msg_up',
    model: 'claude-x',
    content: [{ type: 'tool_call', id: 'toolu_1', name, arguments: args }],
    finishReason: 'tool_calls',
    usage: { inputTokens: 1, outputTokens: 1 },
  })

  it('a function call of exec (custom offered as a function) → custom_tool_call exec in namespace functions, input unwrapped', () => {
    const out = openaiResponses.encodeResponse(res('exec', '{"input":"ls -la"}'), req()) as any
    expect(out.output).toEqual([
      expect.objectContaining({ type: 'custom_tool_call', call_id: 'toolu_1', name: 'exec', namespace: 'functions', input: 'ls -la' }),
    ])
  })

  it('a call of mcp__docs__search → function_call search in namespace mcp__docs', () => {
    const out = openaiResponses.encodeResponse(res('mcp__docs__search', '{"query":"q"}'), req()) as any
    expect(out.output[0]).toMatchObject({ type: 'function_call', name: 'search', namespace: 'mcp__docs', arguments: '{"query":"q"}' })
  })

  it('streaming: the item carries name and namespace from output_item.added to .done', async () => {
    const events = await encodeEvents(
      [
        { type: 'start', id: 'msg_up', model: 'claude-x' },
        { type: 'tool_call_start', index: 0, id: 'toolu_1', name: 'exec' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: '{"input":"ls' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: ' -la"}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'finish', reason: 'tool_calls' },
      ],
      { ...req(), stream: true },
    )
    const added = events.find((e) => e.event === 'response.output_item.added')!.data.item
    const done = events.find((e) => e.event === 'response.output_item.done')!.data.item
    expect(added).toMatchObject({ type: 'custom_tool_call', name: 'exec', namespace: 'functions' })
    expect(done).toMatchObject({ type: 'custom_tool_call', name: 'exec', namespace: 'functions', input: 'ls -la' })
  })

  it('from an OpenAI Responses upstream: the call’s namespace rides through the hub, JSON and stream', async () => {
    const item = { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'search', namespace: 'mcp__docs', arguments: '{"query":"q"}', status: 'completed' }
    const decoded = openaiResponses.decodeResponse({ id: 'resp_1', model: 'gpt-5.5', status: 'completed', output: [item] })
    expect(decoded.content[0]).toMatchObject({ type: 'tool_call', name: 'mcp__docs__search', namespace: { name: 'mcp__docs', localName: 'search' } })
    expect((openaiResponses.encodeResponse(decoded, req()) as any).output[0]).toMatchObject({ name: 'search', namespace: 'mcp__docs' })

    const hubEvents = await decodeEvents(
      sse([
        { type: 'response.created', response: { id: 'resp_1', model: 'gpt-5.5', status: 'in_progress', output: [] } },
        { type: 'response.output_item.added', output_index: 0, item: { ...item, arguments: '', status: 'in_progress' } },
        { type: 'response.function_call_arguments.delta', output_index: 0, item_id: 'fc_1', delta: '{"query":"q"}' },
        { type: 'response.output_item.done', output_index: 0, item },
        { type: 'response.completed', response: { id: 'resp_1', model: 'gpt-5.5', status: 'completed', output: [item] } },
      ]),
    )
    expect(hubEvents.find((e) => e.type === 'tool_call_start')).toMatchObject({ name: 'mcp__docs__search', namespace: { name: 'mcp__docs' } })
  })
})
