import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { openaiResponses } from '../../../src/protocols/openai-responses'
import { listRecorded, readRecordedChunks, readRecordedJson } from '../../helpers/fixtures'
import { decodeEvents, encodeEvents, hubRequest, sse, splitResponses } from './helpers'
import { sdkFinalResponse } from './sdk'

const FOLDER = 'openai-responses'
const MODELLED = new Set(['message', 'reasoning', 'function_call', 'custom_tool_call'])

const isJson = (line: string) => {
  try {
    JSON.parse(line)
    return true
  } catch {
    return false
  }
}

const messageText = (item: any) =>
  (item.content ?? []).map((p: any) => (p.type === 'output_text' ? p.text : p.type === 'refusal' ? p.refusal : '')).join('')
const summaryText = (item: any) => (item.summary ?? []).map((p: any) => p.text).join('\n\n')
const carriesReasoning = (item: any) => summaryText(item) !== '' || typeof item.encrypted_content === 'string'
const calls = (output: any[]) =>
  output.filter((o) => o.type === 'function_call').map((o) => ({ call_id: o.call_id, name: o.name, arguments: o.arguments }))
const customCalls = (output: any[]) =>
  output.filter((o) => o.type === 'custom_tool_call').map((o) => ({ call_id: o.call_id, name: o.name, input: o.input }))
const reasoning = (output: any[]) =>
  output.filter((o) => o.type === 'reasoning' && carriesReasoning(o)).map((o) => ({ id: o.id, text: summaryText(o), encrypted: o.encrypted_content ?? null }))

/** Output item types after the hub round trip: empty reasoning dropped, consecutive messages merged. */
function expectedTypes(output: any[]): string[] {
  const types: string[] = []
  for (const o of output) {
    if (o.type === 'reasoning' && !carriesReasoning(o)) continue
    if (o.type === 'message' && messageText(o) === '') continue
    if (o.type === 'message' && types.at(-1) === 'message') continue
    types.push(o.type)
  }
  return types
}

function expectSameUsage(out: any, upstream: any) {
  expect(out.input_tokens).toBe(upstream.input_tokens)
  expect(out.output_tokens).toBe(upstream.output_tokens)
  expect(out.total_tokens).toBe(upstream.total_tokens)
  expect(out.input_tokens_details.cached_tokens).toBe(upstream.input_tokens_details?.cached_tokens ?? 0)
  expect(out.output_tokens_details.reasoning_tokens).toBe(upstream.output_tokens_details?.reasoning_tokens ?? 0)
}

describe('recorded response objects: decodeResponse → encodeResponse', () => {
  const files = listRecorded(FOLDER, '.json')
  it('has fixtures to replay', () => expect(files.length).toBeGreaterThan(20))

  for (const file of files) {
    const body = readRecordedJson(FOLDER, file)

    if (body.error && !body.output) {
      it(`${file}: an error body is decoded with its message, and decodeResponse throws it`, () => {
        const err = openaiResponses.decodeError(400, JSON.stringify(body))
        expect(err).toBeInstanceOf(GatewayError)
        expect(err.message).toBe(body.error.message)
        expect(err.kind).toBe('invalid_request')
        expect(err.upstream).toBe(true)
        expect(() => openaiResponses.decodeResponse(body)).toThrow(body.error.message)
      })
      continue
    }

    it(`${file}: keeps text, reasoning, tool calls, provider items, status and usage`, () => {
      const hub = openaiResponses.decodeResponse(body)
      const req = hubRequest({ responseId: 'resp_fixed' })
      const out = openaiResponses.encodeResponse(hub, req) as any

      expect(out.object).toBe('response')
      expect(out.id).toBe('resp_fixed')
      expect(out.model).toBe(body.model)
      expect(out.created_at).toBe(body.created_at)
      expect(out.status).toBe(body.status)
      expect(out.error).toBeNull()

      expect(out.output.map((o: any) => o.type)).toEqual(expectedTypes(body.output))
      const texts = (output: any[]) => output.filter((o) => o.type === 'message').map(messageText).join('')
      expect(texts(out.output)).toBe(texts(body.output))
      // Reasoning: the same ids, summaries and encrypted content, byte for byte.
      expect(reasoning(out.output)).toEqual(reasoning(body.output))
      expect(calls(out.output)).toEqual(calls(body.output))
      expect(customCalls(out.output)).toEqual(customCalls(body.output))
      // Provider-side items (web search, MCP, shell, compaction …) come back to a Responses client unchanged.
      expect(out.output.filter((o: any) => !MODELLED.has(o.type))).toEqual(body.output.filter((o: any) => !MODELLED.has(o.type)))

      const anyCall = calls(body.output).length + customCalls(body.output).length > 0
      expect(hub.finishReason).toBe(anyCall ? 'tool_calls' : 'stop')
      expectSameUsage(out.usage, body.usage)
    })
  }
})

/** Per output_index, the names of the events that concern it, in order. */
function eventsByItem(out: Array<{ event?: string; data: any }>): Map<number, string[]> {
  const by = new Map<number, string[]>()
  for (const e of out) {
    if (typeof e.data.output_index !== 'number') continue
    by.set(e.data.output_index, [...(by.get(e.data.output_index) ?? []), e.event!.replace(/^response\./, '')])
  }
  return by
}

const ITEM_ORDER: Record<string, RegExp> = {
  message:
    /^output_item\.added content_part\.added( output_text\.delta)+ output_text\.done content_part\.done output_item\.done$/,
  reasoning:
    /^output_item\.added( reasoning_summary_part\.added( reasoning_summary_text\.delta)+ reasoning_summary_text\.done reasoning_summary_part\.done)? output_item\.done$/,
  function_call: /^output_item\.added( function_call_arguments\.delta)* function_call_arguments\.done output_item\.done$/,
  custom_tool_call: /^output_item\.added( custom_tool_call_input\.delta)* custom_tool_call_input\.done output_item\.done$/,
}

/** Checks the lifecycle a Responses client expects of our stream. */
function checkEncodedStream(out: Array<{ event?: string; data: any }>, terminal: string) {
  expect(out[0]!.event).toBe('response.created')
  expect(out[1]!.event).toBe('response.in_progress')
  expect(out.at(-1)!.event).toBe(terminal)
  expect(out.map((e) => e.data.sequence_number)).toEqual(out.map((_, i) => i))
  for (const e of out) expect(e.data.type).toBe(e.event)
  const ids = new Set(out.filter((e) => e.data.response).map((e) => e.data.response.id))
  expect(ids.size).toBe(1)
  const final = out.at(-1)!.data.response
  for (const [index, names] of eventsByItem(out)) {
    const type = final.output[index].type
    expect(names.join(' '), `${type} at ${index}`).toMatch(ITEM_ORDER[type]!)
  }
}

const deltas = (events: any[], type: string) => events.filter((e) => e.type === type).map((e) => e.delta).join('')
const doneItems = (events: any[]) => events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item)

describe('recorded streams: decodeStream → encodeStream', () => {
  const files = listRecorded(FOLDER, '.chunks.txt')
  it('has streams to replay', () => expect(files.length).toBeGreaterThan(20))

  for (const file of files) {
    const responses = splitResponses(readRecordedChunks(FOLDER, file))
    responses.forEach((lines, n) => {
      const name = responses.length > 1 ? `${file} #${n + 1}` : file
      const upstream = lines.filter(isJson).map((l) => JSON.parse(l))

      if (!lines.every(isJson)) {
        it(`${name}: a stream event that is not JSON ends the stream with a bad_gateway error`, async () => {
          const events = await decodeEvents(sse(lines))
          expect(events).toHaveLength(1)
          expect(events[0]).toMatchObject({ type: 'error', error: { kind: 'bad_gateway' } })
          const out = await encodeEvents(events, hubRequest())
          expect(out.map((e) => e.event)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed'])
        })
        return
      }

      const failure = upstream.find((e) => e.type === 'error' || e.type === 'response.failed')
      if (failure) {
        it(`${name}: an upstream error event becomes an error for the client`, async () => {
          const events = await decodeEvents(sse(lines))
          const last = events.at(-1) as Extract<HubStreamEvent, { type: 'error' }>
          expect(last.type).toBe('error')
          expect(events.filter((e) => e.type === 'finish')).toHaveLength(0)
          const message = failure.message ?? failure.error?.message ?? failure.response?.error?.message
          expect(last.error.message).toBe(message)
          const out = await encodeEvents(events, hubRequest())
          expect(out.slice(-2).map((e) => e.event)).toEqual(['error', 'response.failed'])
          expect(out.at(-2)!.data.message).toBe(message)
          expect(out.at(-1)!.data.response.status).toBe('failed')
        })
        return
      }

      it(`${name}: event order, text, arguments, reasoning and usage survive`, async () => {
        const events = await decodeEvents(sse(lines))
        expect(events[0]!.type).toBe('start')
        expect(events.filter((e) => e.type === 'finish' || e.type === 'error')).toHaveLength(1)
        expect(events.at(-1)!.type).toBe('finish')

        const out = await encodeEvents(events, hubRequest())
        const completed = upstream.find((e) => e.type === 'response.completed' || e.type === 'response.incomplete')
        checkEncodedStream(out, completed.type)
        const sent = out.map((e) => e.data)
        const final = sent.at(-1).response

        // Text: the finished items' text (message items in a row are joined by a blank line).
        const upItems = doneItems(upstream)
        const strip = (s: string) => s.replace(/\n\n/g, '')
        const upText = upItems
          .filter((o) => o.type === 'message')
          .map((item) => {
            // A finished item adds what its deltas left out; deltas that disagree with it have already been sent.
            const streamed = upstream.filter((e) => e.type === 'response.output_text.delta' && e.item_id === item.id)
            const sentText = streamed.map((e) => e.delta).join('')
            return messageText(item).startsWith(sentText) ? messageText(item) : sentText
          })
          .join('')
        expect(strip(deltas(sent, 'response.output_text.delta'))).toBe(strip(upText))
        expect(final.output.filter((o: any) => o.type === 'message').map(messageText).join('')).toBe(
          deltas(sent, 'response.output_text.delta'),
        )
        // Tool calls, custom tool calls and reasoning, item by item.
        expect(calls(doneItems(sent))).toEqual(calls(upItems))
        expect(customCalls(doneItems(sent))).toEqual(customCalls(upItems))
        expect(deltas(sent, 'response.function_call_arguments.delta')).toBe(calls(upItems).map((c) => c.arguments).join(''))
        const reasoningOf = (items: any[]) => reasoning(items).map(({ text, encrypted }) => ({ text, encrypted }))
        expect(reasoningOf(doneItems(sent))).toEqual(reasoningOf(upItems))
        expect(reasoningOf(final.output)).toEqual(reasoningOf(upItems))
        // Usage and status.
        expectSameUsage(final.usage, completed.response.usage)
        expect(final.status).toBe(completed.response.status)
      })
    })
  }
})

describe('recorded streams read by the openai SDK accumulator', () => {
  const replays: Array<[string, number]> = [
    ['github-copilot-id-rotation.1.chunks.txt', 0],
    ['openai-reasoning-encrypted-content.1.chunks.txt', 0],
    ['openai-reasoning-encrypted-content.1.chunks.txt', 3],
    ['openai-custom-tool.1.chunks.txt', 0],
    ['openai-client-tool-search.2.chunks.txt', 0],
    ['openai-phase.1.chunks.txt', 0],
  ]
  for (const [file, n] of replays) {
    it(`${file} #${n + 1}: finalResponse() has the text, calls and encrypted reasoning`, async () => {
      const lines = splitResponses(readRecordedChunks(FOLDER, file))[n]!
      const upstream = lines.map((l) => JSON.parse(l))
      const events = await decodeEvents(sse(lines))
      const { response, seen } = await sdkFinalResponse(events, hubRequest())
      const upItems = doneItems(upstream)

      expect(seen[0]).toBe('response.created')
      expect(seen.at(-1)).toBe('response.completed')
      expect(response.status).toBe('completed')
      const upText = upItems.filter((o) => o.type === 'message').map(messageText)
      expect(response.output_text).toBe(upText.join('\n\n'))
      // Message items in a row reach the client as one.
      expect(response.output.filter((o) => o.type === 'message')).toHaveLength(Math.min(upText.length, 1))
      expect(calls(response.output)).toEqual(calls(upItems))
      expect(customCalls(response.output)).toEqual(customCalls(upItems))
      expect(reasoning(response.output).map((r) => r.encrypted)).toEqual(reasoning(upItems).map((r) => r.encrypted))
      expect(response.usage?.output_tokens).toBe(upstream.at(-1).response.usage.output_tokens)
    })
  }

  it('the stream with truncated JSON lines replays once the lines are repaired', async () => {
    const lines = readRecordedChunks(FOLDER, 'parallel-tool-call-wrapper.1.chunks.txt').map((l) => (isJson(l) ? l : `${l}}`))
    const events = await decodeEvents(sse(lines))
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' })
    const { response } = await sdkFinalResponse(events, hubRequest())
    expect(calls(response.output)).toEqual([
      { call_id: 'call_parallel', name: 'parallel', arguments: JSON.parse(lines[4]!).item.arguments },
    ])
  })
})
