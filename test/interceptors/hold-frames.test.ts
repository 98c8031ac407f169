import { describe, expect, it } from 'vitest'
import type { HubStreamEvent } from '../../src/hub/stream'
import { holdFrames } from '../../src/interceptors/hold-frames'
import type { AnswerWatch, Interceptor } from '../../src/interceptors/types'
import { watchAnswer } from '../../src/interceptors/watch-answer'
import { PROTOCOLS } from '../../src/protocols'
import { PROTOCOL_IDS, type ProtocolId } from '../../src/protocols/types'
import { sseFramer, type SseEvent } from '../../src/sse/parse'
import { chain } from '../../src/streams/stage'
import { answerTurn, hubRequest } from './turns'

const request = hubRequest({ tools: [{ name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } }] })

const EVENTS: HubStreamEvent[] = [
  { type: 'start', id: 'msg_1', model: 'm' },
  { type: 'text_delta', text: 'Let me look.' },
  { type: 'tool_call_start', index: 0, id: 'call_1', name: 'bash' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '{"command":' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '"git reset --hard"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'finish', reason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 5 } },
]

/** What an upstream speaking `p` would send for EVENTS (made once: encoders pick fresh ids). */
const made = new Map<ProtocolId, Uint8Array>()
function upstreamBytes(p: ProtocolId): Uint8Array {
  let bytes = made.get(p)
  if (!bytes) made.set(p, (bytes = encodeUpstream(p)))
  return bytes
}

function encodeUpstream(p: ProtocolId): Uint8Array {
  const enc = PROTOCOLS[p].streamEncoder(request)
  let text = ''
  const out = { enqueue: (t: string) => void (text += t) }
  enc.start?.(out)
  for (const e of EVENTS) enc.transform(structuredClone(e), out)
  enc.flush?.(out)
  return new TextEncoder().encode(text)
}

function decodeAll(p: ProtocolId, bytes: Uint8Array): HubStreamEvent[] {
  const got: HubStreamEvent[] = []
  const stage = chain(sseFramer(), PROTOCOLS[p].streamDecoder())
  const out = { enqueue: (e: HubStreamEvent) => void got.push(e) }
  stage.transform(bytes, out)
  stage.flush?.(out)
  return got
}

const interceptor = (watch: () => AnswerWatch): Interceptor => ({ name: 'test', does: 'test', answer: () => watch() })

/** Feeds the bytes in small pieces and joins what the client gets. */
function run(p: ProtocolId, watch: () => AnswerWatch, piece = 7): { bytes: Uint8Array; over: boolean } {
  const pipe = watchAnswer([interceptor(watch)], answerTurn(request))!
  const rw = holdFrames(PROTOCOLS[p].streamDecoder(), pipe, PROTOCOLS[p].streamEncoder(request))
  const input = upstreamBytes(p)
  const parts: Uint8Array[] = []
  for (let i = 0; i < input.length && !rw.over; i += piece) {
    const got = rw.push(input.subarray(i, i + piece))
    if (got) parts.push(got)
  }
  const tail = rw.end()
  if (tail) parts.push(tail)
  return { bytes: Buffer.concat(parts), over: rw.over }
}

const passAll = (): AnswerWatch => ({ event: (e, out) => out.enqueue(e) })

/** Holds a tool call's events until it ends, then lets them go unchanged. */
const holdCalls = (): AnswerWatch => {
  let held: HubStreamEvent[] = []
  return {
    event(e, out) {
      if (e.type === 'tool_call_start' || e.type === 'tool_call_delta') return void held.push(e)
      if (e.type === 'tool_call_end') {
        for (const h of held) out.enqueue(h)
        held = []
      }
      out.enqueue(e)
    },
  }
}

/** Replaces every tool call with a line of text. */
const blockCalls = (): AnswerWatch => ({
  event(e, out) {
    if (e.type === 'tool_call_start' || e.type === 'tool_call_delta') return
    if (e.type === 'tool_call_end') return out.enqueue({ type: 'text_delta', text: ' [blocked]' })
    if (e.type === 'finish') return out.enqueue({ ...e, reason: 'stop' })
    out.enqueue(e)
  },
})

/** Ends the answer at the first text, with a note of its own. */
const cutAtText = (): AnswerWatch => ({
  event(e, out) {
    if (e.type !== 'text_delta') return out.enqueue(e)
    out.enqueue({ type: 'text_delta', text: '[cut]' })
    out.enqueue({ type: 'finish', reason: 'stop' })
  },
})

describe.each(PROTOCOL_IDS)('holdFrames (%s)', (p) => {
  it('a watch that changes nothing gives the upstream bytes back exactly', () => {
    expect(Buffer.from(run(p, passAll).bytes).toString()).toBe(Buffer.from(upstreamBytes(p)).toString())
  })

  it('held tool-call frames, released unchanged, are the upstream bytes too (one byte at a time as well)', () => {
    const want = Buffer.from(upstreamBytes(p)).toString()
    expect(Buffer.from(run(p, holdCalls).bytes).toString()).toBe(want)
    expect(Buffer.from(run(p, holdCalls, 1).bytes).toString()).toBe(want)
  })

  it('a replaced call: the text before it stays the upstream bytes, the rest is encoded and decodes cleanly', () => {
    const { bytes } = run(p, blockCalls)
    const events = decodeAll(p, bytes)
    expect(events.some((e) => e.type === 'tool_call_start')).toBe(false)
    const text = events.flatMap((e) => (e.type === 'text_delta' ? [e.text] : [])).join('')
    expect(text).toBe('Let me look. [blocked]')
    expect(events.filter((e) => e.type === 'start')).toHaveLength(1)
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' })
  })

  it('a watch that ends the answer stops reading the upstream and closes the stream properly', () => {
    const { bytes, over } = run(p, cutAtText)
    expect(over).toBe(true)
    const events = decodeAll(p, bytes)
    expect(events.filter((e) => e.type !== 'usage').map((e) => e.type)).toEqual(['start', 'text_delta', 'finish'])
    expect(events[1]).toMatchObject({ text: '[cut]' })
  })
})

describe('holdFrames with comments and frames that carry no event', () => {
  it('forwards them in their place', () => {
    const input = ': ping\n\n' + Buffer.from(upstreamBytes('openai-chat')).toString()
    const pipe = watchAnswer([interceptor(holdCalls)], answerTurn(request))!
    const rw = holdFrames(PROTOCOLS['openai-chat'].streamDecoder(), pipe, PROTOCOLS['openai-chat'].streamEncoder(request))
    const out = Buffer.concat([rw.push(new TextEncoder().encode(input)) ?? new Uint8Array(), rw.end() ?? new Uint8Array()]).toString()
    expect(out).toBe(input)
  })
})

// Keep the SseEvent import honest for readers: the decoders take framed events.
export type { SseEvent }
