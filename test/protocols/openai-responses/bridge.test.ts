/**
 * The places a Responses bridge usually breaks, one test each.
 */
import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubRequest, HubTool } from '../../../src/hub/request'
import type { HubResponse } from '../../../src/hub/response'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { anthropic } from '../../../src/protocols/anthropic'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { openaiResponses } from '../../../src/protocols/openai-responses'
import { decodeUsage, encodeUsage } from '../../../src/protocols/openai-responses/usage'
import { readRecordedJson } from '../../helpers/fixtures'
import { context, decodeEvents, encodeEvents, hubRequest, openaiQuirks, sse } from './helpers'
import { sdkFinalResponse } from './sdk'

const recorded = readRecordedJson('openai-responses', 'openai-reasoning-encrypted-content.1.json')
const RS = recorded.output[0]
const ANTHROPIC_SIG = 'EqQBCkgIBxABGAIqQJ+/x==\u00e9"\\sig.with.dots'

const turn = (input: unknown[], extra: object = {}) => ({ model: 'gpt-5', input, ...extra })

describe('Responses bridge pitfalls', () => {
  it('a reasoning item in the input becomes thinking with its summary, encrypted content, format and id', () => {
    const hub = openaiResponses.decodeRequest(
      turn([
        { role: 'user', content: 'Compute.' },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [
            { type: 'summary_text', text: 'First part.' },
            { type: 'summary_text', text: 'Second part.' },
          ],
          encrypted_content: 'gAAAA-opaque',
        },
        { type: 'function_call', call_id: 'call_1', name: 'calc', arguments: '{"a":1}' },
      ]),
    )
    expect(hub.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', text: 'First part.\n\nSecond part.', signature: 'gAAAA-opaque', format: 'openai-responses-v1', id: 'rs_1' },
        { type: 'tool_call', id: 'call_1', name: 'calc', arguments: '{"a":1}' },
      ],
    })
    // Raw reasoning text (content) is used when there is no summary.
    const raw = openaiResponses.decodeRequest(
      turn([{ type: 'reasoning', id: 'rs_2', summary: [], content: [{ type: 'reasoning_text', text: 'raw thoughts' }] }]),
    )
    expect(raw.messages[0]!.content[0]).toEqual({ type: 'thinking', text: 'raw thoughts', id: 'rs_2' })
  })

  it('a function_call_output whose output is not a string: parts become blocks, an object becomes JSON text', () => {
    const hub = openaiResponses.decodeRequest(
      turn([
        { type: 'function_call', call_id: 'c1', name: 'shot', arguments: '{}' },
        { type: 'function_call', call_id: 'c2', name: 'stat', arguments: '{}' },
        {
          type: 'function_call_output',
          call_id: 'c1',
          output: [
            { type: 'input_text', text: 'Screenshot:' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
          ],
        },
        { type: 'function_call_output', call_id: 'c2', output: { size: 12, ok: true } },
      ]),
    )
    expect(hub.messages).toHaveLength(2)
    expect(hub.messages[1]).toEqual({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'c1',
          content: [
            { type: 'text', text: 'Screenshot:' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
          ],
        },
        { type: 'tool_result', toolCallId: 'c2', content: '{"size":12,"ok":true}' },
      ],
    })
    // And back to a Responses upstream: the image result as an array output, the other as a string.
    const out = openaiResponses.encodeRequest(hub, context(openaiQuirks)) as any
    expect(out.input.slice(2)).toEqual([
      {
        type: 'function_call_output',
        call_id: 'c1',
        output: [
          { type: 'input_text', text: 'Screenshot:' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
        ],
      },
      { type: 'function_call_output', call_id: 'c2', output: '{"size":12,"ok":true}' },
    ])
  })

  it('several message items in one output keep all their text, as one message or as separate blocks', async () => {
    const body = readRecordedJson('openai-responses', 'openai-phase.1.json')
    const [first, second] = body.output.map((o: any) => o.content[0].text)
    const hub = openaiResponses.decodeResponse(body)
    expect(hub.content).toEqual([
      { type: 'text', text: first },
      { type: 'text', text: second },
    ])
    const out = openaiResponses.encodeResponse(hub, hubRequest()) as any
    expect(out.output).toHaveLength(1)
    expect(out.output[0].content.map((p: any) => p.text)).toEqual([first, second])
    // Anthropic clients get two text blocks.
    const a = anthropic.encodeResponse(hub, hubRequest()) as any
    expect(a.content.map((b: any) => b.text)).toEqual([first, second])
    // Streamed, the second message is set off by a blank line instead of running on.
    const events = await decodeEvents(
      sse([
        { type: 'response.created', response: { id: 'resp_1', model: 'gpt-5', output: [] } },
        { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: 'msg_a', content: [] } },
        { type: 'response.output_text.delta', output_index: 0, content_index: 0, item_id: 'msg_a', delta: 'Checking.' },
        { type: 'response.output_item.added', output_index: 1, item: { type: 'web_search_call', id: 'ws_1' } },
        { type: 'response.output_item.added', output_index: 2, item: { type: 'message', id: 'msg_b', content: [] } },
        { type: 'response.output_text.delta', output_index: 2, content_index: 0, item_id: 'msg_b', delta: 'Done.' },
        { type: 'response.completed', response: { id: 'resp_1', status: 'completed', output: [] } },
      ]),
    )
    expect(events.filter((e) => e.type === 'text_delta').map((e) => (e as { text: string }).text).join('')).toBe('Checking.\n\nDone.')
  })

  it('tool calls over several turns keep their order and pairing in every direction', () => {
    const body = turn(
      [
        { role: 'user', content: [{ type: 'input_text', text: 'Add 1 and 2, then double it.' }] },
        { type: 'reasoning', id: 'rs_a', summary: [], encrypted_content: 'enc-a' },
        { type: 'function_call', id: 'fc_a', call_id: 'call_a', name: 'add', arguments: '{"a":1,"b":2}' },
        { type: 'function_call_output', call_id: 'call_a', output: '3' },
        { type: 'reasoning', id: 'rs_b', summary: [{ type: 'summary_text', text: 'Now double.' }], encrypted_content: 'enc-b' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Got 3.' }] },
        { type: 'function_call', id: 'fc_b', call_id: 'call_b', name: 'mul', arguments: '{"a":3,"b":2}' },
        { type: 'function_call', id: 'fc_c', call_id: 'call_c', name: 'log', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_b', output: '6' },
        { type: 'function_call_output', call_id: 'call_c', output: 'ok' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'It is 6.' }] },
        { role: 'user', content: 'Thanks' },
      ],
      { tools: [{ type: 'function', name: 'add', parameters: { type: 'object' } }] },
    )
    const hub = openaiResponses.decodeRequest(body)
    expect(hub.messages.map((m) => `${m.role}:${m.content.map((p) => p.type).join('+')}`)).toEqual([
      'user:text',
      'assistant:thinking+tool_call',
      'user:tool_result',
      'assistant:thinking+text+tool_call+tool_call',
      'user:tool_result+tool_result',
      'assistant:text',
      'user:text',
    ])

    // Back to Responses: the same items in the same order.
    const out = openaiResponses.encodeRequest(hub, context(openaiQuirks)) as any
    expect(out.input.map((i: any) => i.type + (i.role ? `:${i.role}` : ''))).toEqual(
      body.input.map((i: any) => (i.type ?? 'message') + (i.role ? `:${i.role}` : '')),
    )
    expect(out.input.filter((i: any) => i.type === 'function_call').map((i: any) => i.call_id)).toEqual(['call_a', 'call_b', 'call_c'])

    // To Anthropic: alternating turns, each tool_use answered by a tool_result right after.
    const a = anthropic.encodeRequest(hub, context({}, 'claude-sonnet-4-5')) as any
    expect(a.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user'])
    expect(a.messages[3].content.filter((b: any) => b.type === 'tool_use').map((b: any) => b.id)).toEqual(['call_b', 'call_c'])
    expect(a.messages[4].content.map((b: any) => b.tool_use_id)).toEqual(['call_b', 'call_c'])

    // To Chat Completions: each assistant tool_calls message followed by its tool messages.
    const chat = openaiChat.encodeRequest(hub, context({ reasoningHistory: 'none' }, 'gpt-4o')) as any
    expect(chat.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'tool', 'assistant', 'user'])
  })

  it('encrypted reasoning goes back to the same provider unchanged, with its rs_ id', () => {
    const body = turn([
      { role: 'user', content: 'Compute 12+7, times 3, times 10.' },
      RS,
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: recorded.output[1].content[0].text }] },
      { role: 'user', content: 'Again?' },
    ])
    const c = context(openaiQuirks, 'gpt-5-mini')
    const out = openaiResponses.encodeRequest(openaiResponses.decodeRequest(body), c) as any
    expect(out.input[1]).toEqual({ type: 'reasoning', id: RS.id, summary: RS.summary, encrypted_content: RS.encrypted_content })
    expect(out.include).toEqual(['reasoning.encrypted_content'])
    expect(out.store).toBe(false)
    expect(c.warnings).toEqual([])
  })

  it('an Anthropic signature survives a round trip through a Responses client', async () => {
    const res: HubResponse = {
      id: 'msg_1',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', text: 'Let me think.', signature: ANTHROPIC_SIG, format: 'anthropic-claude-v1' },
        { type: 'redacted_thinking', data: 'REDACTED+/=', format: 'anthropic-claude-v1' },
        { type: 'text', text: 'Calling.' },
        { type: 'tool_call', id: 'toolu_1', name: 'calc', arguments: '{"x":1}' },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 5 },
    }
    const out = openaiResponses.encodeResponse(res, hubRequest()) as any
    expect(out.output.map((o: any) => o.type)).toEqual(['reasoning', 'reasoning', 'message', 'function_call'])
    expect(out.output[0].encrypted_content).toBe(`gwsig.anthropic-claude-v1.${ANTHROPIC_SIG}`)

    // The streamed form carries the same envelopes.
    const streamed = await encodeEvents(
      [
        { type: 'start', id: 'msg_1', model: 'claude-sonnet-4-5' },
        { type: 'thinking_delta', text: 'Let me think.' },
        { type: 'thinking_delta', text: '', signature: ANTHROPIC_SIG, format: 'anthropic-claude-v1' },
        { type: 'redacted_thinking', data: 'REDACTED+/=', format: 'anthropic-claude-v1' },
        { type: 'finish', reason: 'stop' },
      ],
      hubRequest(),
    )
    const done = streamed.filter((e) => e.event === 'response.output_item.done').map((e) => e.data.item.encrypted_content)
    expect(done).toEqual([out.output[0].encrypted_content, out.output[1].encrypted_content])

    // The client sends the output back as input; it reaches Anthropic as it came.
    const next = openaiResponses.decodeRequest(
      turn([{ role: 'user', content: 'Go.' }, ...out.output, { type: 'function_call_output', call_id: 'toolu_1', output: '1' }]),
    )
    expect(next.messages[1]!.content.slice(0, 2)).toEqual([
      { type: 'thinking', text: 'Let me think.', signature: ANTHROPIC_SIG, format: 'anthropic-claude-v1', id: out.output[0].id },
      { type: 'redacted_thinking', data: 'REDACTED+/=', format: 'anthropic-claude-v1', id: out.output[1].id },
    ])
    const a = anthropic.encodeRequest(next, context({}, 'claude-sonnet-4-5')) as any
    expect(a.messages[1].content.slice(0, 2)).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: ANTHROPIC_SIG },
      { type: 'redacted_thinking', data: 'REDACTED+/=' },
    ])
    // An OpenAI upstream is not sent another provider's reasoning.
    const c = context(openaiQuirks)
    const o = openaiResponses.encodeRequest(next, c) as any
    expect(o.input.some((i: any) => i.type === 'reasoning')).toBe(false)
    expect(c.warnings).toEqual(['reasoning from another provider dropped from the history (OpenAI accepts only its own encrypted reasoning)'])
  })

  describe('a custom tool called as a function by an upstream without custom tools', () => {
    const patchTool: HubTool = { kind: 'custom', name: 'apply_patch', description: 'Edit files', parameters: {}, customFormat: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' } }
    const req: HubRequest = hubRequest({ tools: [patchTool, { name: 'exec', parameters: { type: 'object' } }] })
    const PATCH = '*** Begin Patch\n*** Add File: "q.txt"\n+a\\b\n*** End Patch\n'
    const wrapped = JSON.stringify({ input: PATCH })

    it('encodeResponse makes it a custom_tool_call with the raw input', () => {
      const out = openaiResponses.encodeResponse(
        {
          id: 'x',
          model: 'claude',
          content: [
            { type: 'tool_call', id: 'toolu_9', name: 'apply_patch', arguments: wrapped },
            { type: 'tool_call', id: 'toolu_10', name: 'exec', arguments: '{"cmd":"ls"}' },
          ],
          finishReason: 'tool_calls',
          usage: { inputTokens: 1, outputTokens: 1 },
        },
        req,
      ) as any
      expect(out.output[0]).toMatchObject({ type: 'custom_tool_call', call_id: 'toolu_9', name: 'apply_patch', input: PATCH, status: 'completed' })
      expect(out.output[0].id).toMatch(/^ctc_/)
      expect(out.output[1]).toMatchObject({ type: 'function_call', call_id: 'toolu_10', arguments: '{"cmd":"ls"}' })
    })

    it('encodeStream holds the JSON fragments back and sends the raw input as custom_tool_call_input', async () => {
      const events: HubStreamEvent[] = [
        { type: 'start', id: 'm', model: 'claude' },
        { type: 'tool_call_start', index: 0, id: 'toolu_9', name: 'apply_patch' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: wrapped.slice(0, 15) },
        { type: 'tool_call_delta', index: 0, argumentsDelta: wrapped.slice(15) },
        { type: 'tool_call_end', index: 0 },
        { type: 'finish', reason: 'tool_calls' },
      ]
      const out = await encodeEvents(events, req)
      expect(out.map((e) => e.event).slice(2)).toEqual([
        'response.output_item.added',
        'response.custom_tool_call_input.delta',
        'response.custom_tool_call_input.done',
        'response.output_item.done',
        'response.completed',
      ])
      expect(out[3]!.data.delta).toBe(PATCH)
      expect(out[5]!.data.item).toMatchObject({ type: 'custom_tool_call', call_id: 'toolu_9', input: PATCH })
      const { response } = await sdkFinalResponse(events, req)
      expect(response.output[0]).toMatchObject({ type: 'custom_tool_call', input: PATCH })
    })
  })

  it('an item_reference becomes a native part: passed to a Responses upstream, refused by Anthropic by name', () => {
    const hub = openaiResponses.decodeRequest(turn([{ type: 'item_reference', id: 'msg_old' }, { id: 'rs_old' }, { role: 'user', content: 'Go on.' }]))
    expect(hub.messages[0]!.content[0]).toEqual({
      type: 'native',
      protocol: 'openai-responses',
      label: 'input item "item_reference"',
      raw: { type: 'item_reference', id: 'msg_old' },
    })
    expect(hub.messages[1]!.content[0]).toMatchObject({ label: 'input item "item_reference"', raw: { id: 'rs_old' } })
    const out = openaiResponses.encodeRequest(hub, context(openaiQuirks)) as any
    expect(out.input.slice(0, 2)).toEqual([{ type: 'item_reference', id: 'msg_old' }, { id: 'rs_old' }])

    let err: unknown
    try {
      anthropic.encodeRequest(hub, context({}, 'claude-sonnet-4-5'))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(GatewayError)
    expect((err as GatewayError).status).toBe(400)
    expect((err as GatewayError).message).toContain('input item "item_reference"')
    expect(() => openaiChat.encodeRequest(hub, context())).toThrow('input item "item_reference"')
  })

  it('usage: cached tokens are part of input tokens, reasoning tokens part of output tokens', () => {
    const raw = {
      input_tokens: 7243,
      input_tokens_details: { cached_tokens: 3072, cache_write_tokens: 11 },
      output_tokens: 423,
      output_tokens_details: { reasoning_tokens: 58 },
      total_tokens: 7666,
    }
    const usage = decodeUsage(raw)
    expect(usage).toEqual({ inputTokens: 7243, outputTokens: 423, cacheReadTokens: 3072, cacheWriteTokens: 11, reasoningTokens: 58 })
    expect(encodeUsage(usage!)).toEqual(raw)
    // Anthropic-style usage (cache on top of input) arrives in the hub already summed.
    expect(encodeUsage({ inputTokens: 120, outputTokens: 30, cacheReadTokens: 100 })).toEqual({
      input_tokens: 120,
      input_tokens_details: { cached_tokens: 100 },
      output_tokens: 30,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 150,
    })
  })

  it('a stream that ends early ends in an error, never a fake completion', async () => {
    const hub = await decodeEvents(
      sse([
        { type: 'response.created', response: { id: 'resp_x', model: 'gpt-5', output: [] } },
        { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: 'msg_x', content: [] } },
        { type: 'response.output_text.delta', output_index: 0, content_index: 0, delta: 'Half a sen' },
      ]),
    )
    expect(hub.map((e) => e.type)).toEqual(['start', 'text_delta', 'error'])
    const error = (hub.at(-1) as Extract<HubStreamEvent, { type: 'error' }>).error
    expect(error.kind).toBe('bad_gateway')

    // The encoder reports it too, including when the hub stream itself just stops.
    const out = await encodeEvents(hub.slice(0, 2), hubRequest())
    expect(out.slice(-2).map((e) => e.event)).toEqual(['error', 'response.failed'])
    expect(out.at(-2)!.data).toMatchObject({ type: 'error', code: 'bad_gateway', message: error.message })
    expect(out.some((e) => e.event === 'response.completed')).toBe(false)
    await expect(sdkFinalResponse(hub.slice(0, 2), hubRequest())).rejects.toThrow(/ended before the response was complete/)
  })
})
