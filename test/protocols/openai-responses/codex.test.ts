import { describe, expect, it } from 'vitest'
import type { HubRequest } from '../../../src/hub/request'
import { anthropic } from '../../../src/protocols/anthropic'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { openaiResponses } from '../../../src/protocols/openai-responses'
import { parseSse } from '../../../src/sse/parse'
import { listClientRequests, readClientRequest } from '../../helpers/fixtures'
import { collect } from '../../helpers/streams'
import { context, encodeEvents, openaiQuirks } from './helpers'
import { sdkFinalResponse } from './sdk'

const files = listClientRequests('codex')
const textOf = (content: any[]) => content.map((p: any) => p.text).join('')

/** The captured request's body. */
const body = (file: string) => structuredClone(readClientRequest('codex', file).body)

/** Codex's newer shape: tools in an `additional_tools` item; a custom tool call answered with input_text parts. */
function liteVariant(): any {
  const b = body('02-v1-responses.json')
  const tools = b.tools
  delete b.tools
  b.input.unshift({ type: 'additional_tools', role: 'developer', tools })
  b.input.push(
    { type: 'custom_tool_call', id: 'ctc_1', call_id: 'call_patch', name: 'apply_patch', input: '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n' },
    {
      type: 'custom_tool_call_output',
      call_id: 'call_patch',
      output: [
        { type: 'input_text', text: 'Success. Updated the following files:' },
        { type: 'input_text', text: 'A a.txt' },
      ],
    },
  )
  return b
}

describe('Codex CLI requests', () => {
  it('finds the captures', () => expect(files.length).toBeGreaterThanOrEqual(2))

  for (const file of files) {
    const b = body(file)
    const developer = b.input.filter((i: any) => i.role === 'developer')
    const developerTexts = developer.flatMap((m: any) => m.content.map((p: any) => p.text))
    const calls = b.input.filter((i: any) => i.type === 'function_call')
    const outputs = b.input.filter((i: any) => i.type === 'function_call_output')

    it(`${file}: decodes to the hub`, () => {
      const hub = openaiResponses.decodeRequest(b)
      expect(hub.model).toBe('gpt-5.5')
      expect(hub.stream).toBe(true)
      expect(hub.thinking).toEqual({ enabled: true, effort: 'medium' })
      expect(hub.parallelToolCalls).toBe(true)
      expect(hub.toolChoice).toEqual({ type: 'auto' })
      // The leading developer messages are the system prompt.
      expect(hub.system.map((p) => p.text)).toEqual(developerTexts)
      expect(hub.tools?.map((t) => t.name)).toEqual(b.tools.map((t: any) => t.name ?? t.type))
      expect(hub.tools?.find((t) => t.name === 'apply_patch')).toMatchObject({ kind: 'custom', customFormat: b.tools[3].format })
      expect(hub.tools?.filter((t) => t.native).map((t) => t.native!.label)).toEqual(['tool "tool_search"', 'tool "web_search"'])
      const hubCalls = hub.messages.flatMap((m) => m.content.filter((p) => p.type === 'tool_call'))
      expect(hubCalls).toEqual(calls.map((c: any) => ({ type: 'tool_call', id: c.call_id, name: c.name, arguments: c.arguments })))
    })

    it(`${file}: re-encodes for an OpenAI Responses upstream without loss`, () => {
      const c = context(openaiQuirks, 'gpt-5.5')
      const out = openaiResponses.encodeRequest(openaiResponses.decodeRequest(b), c) as any
      expect(c.warnings).toEqual([])
      expect(out).toMatchObject({
        model: 'gpt-5.5',
        stream: true,
        store: false,
        include: ['reasoning.encrypted_content'],
        reasoning: { effort: 'medium', summary: 'auto' },
        parallel_tool_calls: true,
        tool_choice: 'auto',
      })
      expect(out.instructions).toBe(developerTexts.join('\n\n'))
      // Function tools as they were; the custom tool with its grammar; web_search and tool_search raw.
      expect(out.tools).toEqual(b.tools.map((t: any) => (t.type === 'custom' ? { type: 'custom', name: t.name, description: t.description, format: t.format } : t)))
      const pick = (items: any[], type: string) => items.filter((i) => i.type === type)
      expect(pick(out.input, 'function_call')).toEqual(calls.map((c: any) => ({ type: 'function_call', call_id: c.call_id, name: c.name, arguments: c.arguments })))
      expect(pick(out.input, 'function_call_output')).toEqual(outputs.map((o: any) => ({ type: 'function_call_output', call_id: o.call_id, output: o.output })))
      const nonDeveloper = b.input.filter((i: any) => i.role !== 'developer')
      expect(out.input.map((i: any) => i.role ?? i.type)).toEqual(nonDeveloper.map((i: any) => i.role ?? i.type))
      expect(out.input.filter((i: any) => i.role).map((i: any) => textOf(i.content))).toEqual(
        nonDeveloper.filter((i: any) => i.role).map((i: any) => textOf(i.content)),
      )
    })

    it(`${file}: re-encodes for Anthropic and Chat Completions upstreams`, () => {
      const hub = openaiResponses.decodeRequest(b)

      const ac = context({}, 'claude-sonnet-4-5')
      const a = anthropic.encodeRequest(hub, ac) as any
      expect(ac.warnings.filter((w) => /left out/.test(w))).toEqual([
        'tool "tool_search" left out: the upstream does not offer it',
        'tool "web_search" left out: the upstream does not offer it',
      ])
      const patch = a.tools.find((t: any) => t.name === 'apply_patch')
      expect(patch.input_schema).toMatchObject({ type: 'object', required: ['input'], properties: { input: { type: 'string' } } })
      expect(patch.input_schema.properties.input.description).toContain('*** Begin Patch')
      expect(a.tools.map((t: any) => t.name)).toEqual(b.tools.filter((t: any) => t.name).map((t: any) => t.name))
      expect(a.system.map((s: any) => s.text)).toEqual(developerTexts)
      const uses = a.messages.flatMap((m: any) => m.content.filter((p: any) => p.type === 'tool_use'))
      expect(uses).toEqual(calls.map((c: any) => ({ type: 'tool_use', id: c.call_id, name: c.name, input: JSON.parse(c.arguments) })))
      const results = a.messages.flatMap((m: any) => m.content.filter((p: any) => p.type === 'tool_result'))
      expect(results).toEqual(outputs.map((o: any) => ({ type: 'tool_result', tool_use_id: o.call_id, content: o.output })))

      const cc = context({ reasoningHistory: 'none', reasoningModel: () => true }, 'gpt-5.5')
      const chat = openaiChat.encodeRequest(hub, cc) as any
      expect(cc.warnings.filter((w) => /left out/.test(w))).toHaveLength(2)
      expect(chat.tools.find((t: any) => t.function.name === 'apply_patch').function.parameters.required).toEqual(['input'])
      const chatCalls = chat.messages.flatMap((m: any) => m.tool_calls ?? [])
      expect(chatCalls).toEqual(calls.map((c: any) => ({ id: c.call_id, type: 'function', function: { name: c.name, arguments: c.arguments } })))
      expect(chat.messages.filter((m: any) => m.role === 'tool')).toEqual(outputs.map((o: any) => ({ role: 'tool', tool_call_id: o.call_id, content: o.output })))
      expect(chat.reasoning_effort).toBe('medium')
    })

    it(`${file}: the captured answer relays through the hub to a Responses client and the SDK`, async () => {
      const capture = readClientRequest('codex', file)
      const upstream = await collect(parseSse(new Response(capture.fake_response.body).body!).pipeThrough(openaiResponses.decodeStream()))
      expect(upstream.at(-1)!.type).toBe('finish')
      const req: HubRequest = openaiResponses.decodeRequest(b)
      const out = await encodeEvents(upstream, req)
      const reply = capture.fake_reply
      const final = out.at(-1)!.data.response
      expect(out.at(-1)!.event).toBe('response.completed')
      if (reply.kind === 'tool') {
        const call = final.output.find((o: any) => o.type === 'function_call')
        expect(call).toMatchObject({ name: reply.tool, status: 'completed' })
        expect(JSON.parse(call.arguments)).toEqual(reply.args)
      } else {
        expect(final.output.find((o: any) => o.type === 'message').content[0].text).toBe(reply.text)
      }
      const { response } = await sdkFinalResponse(upstream, req)
      if (reply.kind === 'final') expect(response.output_text).toBe(reply.text)
      else expect(response.output.some((o: any) => o.type === 'function_call' && o.name === reply.tool)).toBe(true)
    })
  }

  describe('the additional_tools variant with a custom tool call', () => {
    const lite = liteVariant()

    it('merges additional_tools into the tools and keeps the custom call and its text-part output', () => {
      const hub = openaiResponses.decodeRequest(lite)
      expect(hub.tools?.map((t) => t.name)).toEqual(body('02-v1-responses.json').tools.map((t: any) => t.name ?? t.type))
      const call = hub.messages.flatMap((m) => m.content).find((p) => p.type === 'tool_call' && p.kind === 'custom')
      expect(call).toEqual({ type: 'tool_call', id: 'call_patch', name: 'apply_patch', kind: 'custom', arguments: lite.input.at(-2).input })
      const result = hub.messages.at(-1)!
      expect(result.role).toBe('user')
      expect(result.content).toEqual([
        {
          type: 'tool_result',
          toolCallId: 'call_patch',
          content: [
            { type: 'text', text: 'Success. Updated the following files:' },
            { type: 'text', text: 'A a.txt' },
          ],
        },
      ])
    })

    it('goes back to a Responses upstream as a custom call and custom output', () => {
      const c = context(openaiQuirks, 'gpt-5.5')
      const out = openaiResponses.encodeRequest(openaiResponses.decodeRequest(lite), c) as any
      expect(out.tools.find((t: any) => t.name === 'apply_patch')).toMatchObject({ type: 'custom', format: { type: 'grammar', syntax: 'lark' } })
      expect(out.input.slice(-2)).toEqual([
        { type: 'custom_tool_call', call_id: 'call_patch', name: 'apply_patch', input: lite.input.at(-2).input },
        { type: 'custom_tool_call_output', call_id: 'call_patch', output: 'Success. Updated the following files:\n\nA a.txt' },
      ])
      expect(out.input.some((i: any) => i.type === 'additional_tools')).toBe(false)
    })

    it('goes to Anthropic as a tool_use with one input string and a text tool_result', () => {
      const c = context({}, 'claude-sonnet-4-5')
      const a = anthropic.encodeRequest(openaiResponses.decodeRequest(lite), c) as any
      const use = a.messages.flatMap((m: any) => m.content).find((p: any) => p.type === 'tool_use' && p.name === 'apply_patch')
      expect(use).toEqual({ type: 'tool_use', id: 'call_patch', name: 'apply_patch', input: { input: lite.input.at(-2).input } })
      const last = a.messages.at(-1)
      expect(last.content).toEqual([
        {
          type: 'tool_result',
          tool_use_id: 'call_patch',
          content: [
            { type: 'text', text: 'Success. Updated the following files:' },
            { type: 'text', text: 'A a.txt' },
          ],
        },
      ])
    })

    it('goes to Chat Completions as a function call with {"input": …} arguments', () => {
      const chat = openaiChat.encodeRequest(openaiResponses.decodeRequest(lite), context({ reasoningModel: () => true }, 'gpt-5.5')) as any
      const call = chat.messages.flatMap((m: any) => m.tool_calls ?? []).find((t: any) => t.id === 'call_patch')
      expect(JSON.parse(call.function.arguments)).toEqual({ input: lite.input.at(-2).input })
      expect(chat.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_patch', content: 'Success. Updated the following files:\n\nA a.txt' })
    })
  })
})
