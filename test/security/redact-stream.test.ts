import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/hub/errors'
import type { HubStreamEvent } from '../../src/hub/stream'
import { PROTOCOLS } from '../../src/protocols'
import { redactDeltas, redactedDecoder } from '../../src/security/redact-stream'
import { sseFramer } from '../../src/sse/parse'
import { REDACTED, Redactor } from '../../src/security/redactor'
import type { Stage } from '../../src/streams/stage'

const KEY = 'key-0123456789-abcdef'
const r = new Redactor([KEY])

function run<I, O>(stage: Stage<I, O>, items: I[]): O[] {
  const out: O[] = []
  const emit = { enqueue: (o: O) => out.push(o) }
  stage.start?.(emit)
  for (const i of items) stage.transform(i, emit)
  stage.flush?.(emit)
  return out
}

const textOf = (events: HubStreamEvent[], type: 'text_delta' | 'thinking_delta') =>
  events.map((e) => (e.type === type ? e.text : '')).join('')

describe('redactDeltas', () => {
  it('catches a key split across text deltas at every position', () => {
    const text = `the key is ${KEY}, right`
    for (let cut = 0; cut <= text.length; cut++) {
      const out = run(redactDeltas(r), [
        { type: 'start', id: 'x', model: 'm' },
        { type: 'text_delta', text: text.slice(0, cut) },
        { type: 'text_delta', text: text.slice(cut) },
        { type: 'finish', reason: 'stop' },
      ] as HubStreamEvent[])
      expect(textOf(out, 'text_delta'), `cut ${cut}`).toBe(`the key is ${REDACTED}, right`)
      expect(out.at(-1)!.type).toBe('finish')
    }
  })

  it('passes events without a secret as the same objects', () => {
    const events: HubStreamEvent[] = [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text_delta', text: 'hello.' },
      { type: 'tool_call_start', index: 0, id: 'c', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":1}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls' },
    ]
    const out = run(redactDeltas(r), events)
    expect(out).toHaveLength(events.length)
    out.forEach((e, i) => expect(e).toBe(events[i]))
  })

  it('releases held text before the next kind of event, in order', () => {
    const out = run(redactDeltas(r), [
      { type: 'text_delta', text: 'ends with ke' },
      { type: 'tool_call_start', index: 0, id: 'c', name: 'f' },
    ] as HubStreamEvent[])
    expect(out).toEqual([
      { type: 'text_delta', text: 'ends with ' },
      { type: 'text_delta', text: 'ke' },
      { type: 'tool_call_start', index: 0, id: 'c', name: 'f' },
    ])
  })

  it('redacts thinking (the signature closes the run) and interleaved tool arguments per call', () => {
    const out = run(redactDeltas(r), [
      { type: 'thinking_delta', text: `I see ${KEY.slice(0, 6)}` },
      { type: 'thinking_delta', text: `${KEY.slice(6)} there`, signature: 'sig' },
      { type: 'tool_call_start', index: 0, id: 'a', name: 'f' },
      { type: 'tool_call_start', index: 1, id: 'b', name: 'g' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: `{"k":"${KEY.slice(0, 10)}` },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"x":"key-0' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: `${KEY.slice(10)}"}` },
      { type: 'tool_call_end', index: 1 },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', reason: 'tool_calls' },
    ] as HubStreamEvent[])
    expect(textOf(out, 'thinking_delta')).toBe(`I see ${REDACTED} there`)
    expect(out.find((e) => e.type === 'thinking_delta' && e.signature)).toMatchObject({ text: `${REDACTED} there`, signature: 'sig' })
    const args = (i: number) => out.map((e) => (e.type === 'tool_call_delta' && e.index === i ? e.argumentsDelta : '')).join('')
    expect(args(0)).toBe(`{"k":"${REDACTED}"}`)
    expect(args(1)).toBe('{"x":"key-0')
    // Each call's held arguments come out before its end.
    const end1 = out.findIndex((e) => e.type === 'tool_call_end' && e.index === 1)
    expect(out.slice(0, end1).map((e) => (e.type === 'tool_call_delta' && e.index === 1 ? e.argumentsDelta : '')).join('')).toBe('{"x":"key-0')
  })

  it('releases what it holds before an error', () => {
    const error = new GatewayError('bad_gateway', 'gone')
    const out = run(redactDeltas(r), [{ type: 'text_delta', text: 'so k' }, { type: 'error', error }] as HubStreamEvent[])
    expect(out).toEqual([{ type: 'text_delta', text: 'so ' }, { type: 'text_delta', text: 'k' }, { type: 'error', error }])
  })
})

describe('redactedDecoder', () => {
  const enc = new TextEncoder()
  const chat = PROTOCOLS['openai-chat']

  it('removes a key from an upstream error event before the decoder cuts its message short, the event split anywhere', () => {
    // OpenAI-style messages are cut at 1,000 characters: here right in the middle of the key.
    const frame = `data: ${JSON.stringify({ error: { message: `${'x'.repeat(990)}${KEY} more`, type: 'server_error' } })}\n\n`
    for (const cut of [0, 500, 1000, frame.length - 1]) {
      const out = run(redactedDecoder(r, sseFramer(), chat.streamDecoder()), [enc.encode(frame.slice(0, cut)), enc.encode(frame.slice(cut))])
      const error = out.find((e) => e.type === 'error')
      expect(error?.type === 'error' && error.error.message).toContain(REDACTED)
      expect(JSON.stringify(out)).not.toContain(KEY.slice(0, 8))
    }
  })

  it('removes a key split across two deltas of a decoded stream', () => {
    const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`
    const out = run(redactedDecoder(r, sseFramer(), chat.streamDecoder()), [enc.encode(chunk(`a ${KEY.slice(0, 7)}`) + chunk(`${KEY.slice(7)} b`))])
    expect(textOf(out, 'text_delta')).toBe(`a ${REDACTED} b`)
  })

  it('is the framer and the decoder alone when there is nothing to redact', () => {
    const out = run(redactedDecoder(Redactor.none, sseFramer(), chat.streamDecoder()), [enc.encode(`data: {"choices":[{"index":0,"delta":{"content":"${KEY}"}}]}\n\n`)])
    expect(textOf(out, 'text_delta')).toBe(KEY)
  })
})
