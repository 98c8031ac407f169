import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { anthropic } from '../../../src/protocols/anthropic'
import { gemini, toJsonArrayStream } from '../../../src/protocols/gemini'
import { parseJsonPath } from '../../../src/protocols/gemini/decode-stream'
import { readRecordedChunks } from '../../helpers/fixtures'
import { collect, streamOf } from '../../helpers/streams'
import { bytesToText, ctx, decodeLines, encodeWith } from './helpers'

const chunk = (parts: unknown[], extra: Record<string, unknown> = {}, candidate: Record<string, unknown> = {}) =>
  JSON.stringify({ candidates: [{ content: { role: 'model', parts }, index: 0, ...candidate }], responseId: 'r', modelVersion: 'm', ...extra })

describe('decodeStream', () => {
  it('maps text, thoughts and signatures as they come, usage when it changes, and finishes at the end', async () => {
    const events = await decodeLines([
      chunk([{ text: 'Let me think', thought: true }], { usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }),
      chunk([{ text: ' hard.', thought: true, thoughtSignature: 'T-SIG' }], { usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }),
      chunk([{ text: 'Answer', thoughtSignature: 'A-SIG' }]),
      chunk([{ text: '' }], { usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, thoughtsTokenCount: 3, totalTokenCount: 10 } }, { finishReason: 'MAX_TOKENS' }),
    ])
    expect(events).toEqual([
      { type: 'start', id: 'r', model: 'm' },
      { type: 'thinking_delta', text: 'Let me think', format: 'google-gemini-v1' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 0 } },
      { type: 'thinking_delta', text: ' hard.', signature: 'T-SIG', format: 'google-gemini-v1' },
      { type: 'text_delta', text: 'Answer' },
      { type: 'thinking_delta', text: '', signature: 'A-SIG', format: 'google-gemini-v1' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 5, reasoningTokens: 3 } },
      { type: 'finish', reason: 'length', usage: { inputTokens: 5, outputTokens: 5, reasoningTokens: 3 } },
    ])
  })

  it('turns each whole function call into start, one delta and end', async () => {
    const events = await decodeLines([
      chunk(
        [
          { functionCall: { name: 'a', args: { x: 1 } }, thoughtSignature: 'S1' },
          { functionCall: { id: 'given', name: 'b', args: {} } },
        ],
        {},
        { finishReason: 'STOP' },
      ),
    ])
    const starts = events.filter((e) => e.type === 'tool_call_start') as Array<Extract<HubStreamEvent, { type: 'tool_call_start' }>>
    expect(starts.map((s) => [s.index, s.name, s.signature])).toEqual([
      [0, 'a', 'S1'],
      [1, 'b', undefined],
    ])
    expect(starts[0]!.id).toMatch(/^call_[a-z0-9]+__gsig__/)
    expect(starts[1]!.id).toBe('given')
    expect(events.slice(1).map((e) => e.type)).toEqual([
      'tool_call_start',
      'tool_call_delta',
      'tool_call_end',
      'tool_call_start',
      'tool_call_delta',
      'tool_call_end',
      'finish',
    ])
    expect(events[2]).toEqual({ type: 'tool_call_delta', index: 0, argumentsDelta: '{"x":1}' })
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool_calls' })
  })

  it('puts together arguments streamed in pieces (Vertex partialArgs), nested paths included', async () => {
    const events = await decodeLines([
      chunk([{ functionCall: { name: 'plan', willContinue: true, partialArgs: [{ jsonPath: '$.title', stringValue: 'Tr', willContinue: true }] } }]),
      chunk([{ functionCall: { partialArgs: [{ jsonPath: '$.title', stringValue: 'ip' }], willContinue: true } }]),
      chunk([{ functionCall: { partialArgs: [{ jsonPath: '$.stops[0].city', stringValue: 'Oslo' }, { jsonPath: '$.stops[0].days', numberValue: 2 }], willContinue: true } }]),
      chunk([{ functionCall: { partialArgs: [{ jsonPath: "$['stops'][1]['city']", stringValue: 'Rome' }, { jsonPath: '$.ok', boolValue: true }, { jsonPath: '$.note', nullValue: 'NULL_VALUE' }], willContinue: true } }]),
      chunk([{ functionCall: {} }], {}, { finishReason: 'STOP' }),
    ])
    const delta = events.find((e) => e.type === 'tool_call_delta') as Extract<HubStreamEvent, { type: 'tool_call_delta' }>
    expect(JSON.parse(delta.argumentsDelta)).toEqual({ title: 'Trip', stops: [{ city: 'Oslo', days: 2 }, { city: 'Rome' }], ok: true, note: null })
    expect(events.filter((e) => e.type === 'tool_call_delta')).toHaveLength(1)
    expect(events.filter((e) => e.type === 'tool_call_end')).toHaveLength(1)
    expect(parseJsonPath('$.__proto__.x')).toBeUndefined()
    expect(parseJsonPath('x')).toBeUndefined()
  })

  it('a stream that ends without a finishReason is an error, not a finish', async () => {
    const lines = readRecordedChunks('gemini', 'google-text.chunks.txt').slice(0, -1)
    const events = await decodeLines(lines)
    const last = events.at(-1)!
    expect(events.some((e) => e.type === 'finish')).toBe(false)
    expect(last.type).toBe('error')
    const error = (last as Extract<HubStreamEvent, { type: 'error' }>).error
    expect(error.kind).toBe('bad_gateway')
    expect(error.message).toBe('The upstream stream ended before the response was complete.')
    // An empty stream too.
    expect((await decodeLines([])).map((e) => e.type)).toEqual(['error'])
  })

  it('an error chunk ends the stream with that error; nothing follows', async () => {
    const events = await decodeLines([
      chunk([{ text: 'partial' }]),
      JSON.stringify({ error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } }),
      chunk([{ text: 'more' }], {}, { finishReason: 'STOP' }),
    ])
    expect(events.map((e) => e.type)).toEqual(['start', 'text_delta', 'error'])
    const error = (events[2] as Extract<HubStreamEvent, { type: 'error' }>).error
    expect(error).toMatchObject({ kind: 'api_error', message: 'An internal error has occurred.', upstream: true })
  })

  it('bad JSON is an error', async () => {
    const events = await decodeLines(['{not json', chunk([{ text: 'x' }], {}, { finishReason: 'STOP' })])
    expect(events.map((e) => e.type)).toEqual(['error'])
  })

  it('a blocked prompt finishes as content_filter', async () => {
    const events = await decodeLines([JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 }, responseId: 'b' })])
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'content_filter', usage: { inputTokens: 4, outputTokens: 0 } })
  })
})

describe('encodeStream', () => {
  it('sends deltas at once, holds a tool call until it is complete, and ends with finishReason and usage', async () => {
    const events: HubStreamEvent[] = [
      { type: 'start', id: 'msg_1', model: 'claude-x' },
      { type: 'thinking_delta', text: 'Hmm', format: 'google-gemini-v1' },
      { type: 'thinking_delta', text: '', signature: 'G-SIG', format: 'google-gemini-v1' },
      { type: 'text_delta', text: 'Sure.' },
      { type: 'tool_call_start', index: 0, id: 'toolu_9', name: 'read' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"pa' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: 'th":"/x"}' },
      { type: 'tool_call_start', index: 1, id: 'call_2__gsig__U0lHLTI', name: 'list' },
      { type: 'tool_call_end', index: 0 },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 12, reasoningTokens: 2 } },
      { type: 'finish', reason: 'tool_calls' },
    ]
    const frames = await encodeWith(gemini.encodeStream, events)
    const parts = frames.map((f) => JSON.parse(f.data).candidates[0].content.parts)
    expect(parts).toEqual([
      [{ text: 'Hmm', thought: true }],
      [{ text: '', thought: true, thoughtSignature: 'G-SIG' }], // the signature of the thought before it
      [{ text: 'Sure.' }],
      [{ functionCall: { id: 'toolu_9', name: 'read', args: { path: '/x' } } }],
      [{ functionCall: { id: 'call_2', name: 'list', args: {} }, thoughtSignature: 'SIG-2' }], // never ended: sent at finish
      [{ text: '' }],
    ])
    const last = JSON.parse(frames.at(-1)!.data)
    expect(last).toEqual({
      candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 10, thoughtsTokenCount: 2, totalTokenCount: 21 },
      modelVersion: 'claude-x',
      responseId: 'msg_1',
    })
    expect(frames.every((f) => f.event === undefined)).toBe(true)
  })

  it('a Claude thought streamed to a Gemini client comes back whole, with its signature', async () => {
    const frames = await encodeWith(gemini.encodeStream, [
      { type: 'start', id: 'msg_1', model: 'claude-x' },
      { type: 'thinking_delta', text: 'Let me ' },
      { type: 'thinking_delta', text: 'see.' },
      { type: 'thinking_delta', text: '', signature: 'CLAUDE-SIG', format: 'anthropic-claude-v1' },
      { type: 'text_delta', text: 'Hi' },
      { type: 'finish', reason: 'stop' },
    ])
    // The client keeps every streamed part of the turn in its history.
    const parts = frames.flatMap((f) => JSON.parse(f.data).candidates[0].content.parts).filter((p: any) => p.text !== '' || p.thoughtSignature)
    const hub = gemini.decodeRequest(
      { contents: [{ role: 'user', parts: [{ text: 'q' }] }, { role: 'model', parts }, { role: 'user', parts: [{ text: 'more' }] }] },
      { model: 'claude-x' },
    )
    expect(hub.messages[1]!.content).toEqual([
      { type: 'thinking', text: 'Let me see.', signature: 'CLAUDE-SIG', format: 'anthropic-claude-v1' },
      { type: 'text', text: 'Hi' },
    ])
    const claude = anthropic.encodeRequest(hub, ctx('claude-x')) as any
    expect(claude.messages[1].content[0]).toEqual({ type: 'thinking', thinking: 'Let me see.', signature: 'CLAUDE-SIG' })
  })

  it('an error becomes Google’s error chunk and ends the stream', async () => {
    const frames = await encodeWith(gemini.encodeStream, [
      { type: 'start', id: 'r', model: 'm' },
      { type: 'text_delta', text: 'a' },
      { type: 'error', error: new GatewayError('overloaded', 'Busy.') },
      { type: 'text_delta', text: 'b' },
    ])
    expect(frames.map((f) => JSON.parse(f.data))).toEqual([
      expect.objectContaining({ candidates: [expect.anything()] }),
      { error: { code: 503, message: 'Busy.', status: 'UNAVAILABLE' } },
    ])
  })

  it('input that ends without finish or error ends with an error chunk', async () => {
    const frames = await encodeWith(gemini.encodeStream, [{ type: 'start', id: 'r', model: 'm' }, { type: 'text_delta', text: 'a' }])
    expect(JSON.parse(frames.at(-1)!.data).error).toMatchObject({ code: 502, status: 'UNAVAILABLE' })
  })
})

describe('toJsonArrayStream', () => {
  it('turns the SSE output into the JSON array Gemini streams without alt=sse', async () => {
    const events = await decodeLines(readRecordedChunks('gemini', 'google-reasoning.chunks.txt'))
    const sseBytes = await collect(streamOf(events).pipeThrough(gemini.encodeStream({ model: 'g', system: [], messages: [], stream: true })))
    const payloads = bytesToText(sseBytes)
      .split('\n\n')
      .filter(Boolean)
      .map((f) => JSON.parse(f.slice('data: '.length)))
    const text = bytesToText(await collect(streamOf(sseBytes).pipeThrough(toJsonArrayStream())))
    expect(text.startsWith('[{')).toBe(true)
    expect(text.endsWith('\n]')).toBe(true)
    expect(JSON.parse(text)).toEqual(payloads)
  })

  it('writes each element as its frame arrives, across split chunks and CRLF line ends', async () => {
    const enc = new TextEncoder()
    let push!: (s: string) => void
    let close!: () => void
    const input = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (s) => controller.enqueue(enc.encode(s))
        close = () => controller.close()
      },
    })
    const reader = input.pipeThrough(toJsonArrayStream()).getReader()
    push('data: {"a":')
    push('1}\r')
    push('\n\r\n')
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('[{"a":1}') // before the input has ended
    push(': comment\nevent: x\ndata: {"b":\ndata: 2}\n\n')
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('\n,{"b":\n2}')
    close()
    const rest: string[] = []
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(new TextDecoder().decode(r.value))
    expect(rest.join('')).toBe('\n]')
  })

  it('gives [] for no events, and keeps an error chunk as an element', async () => {
    const run = async (s: string) => bytesToText(await collect(streamOf([new TextEncoder().encode(s)]).pipeThrough(toJsonArrayStream())))
    expect(await run('')).toBe('[]')
    expect(JSON.parse(await run('data: {"error":{"code":500}}'))).toEqual([{ error: { code: 500 } }])
  })
})
