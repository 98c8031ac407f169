import type { HubStreamEvent } from '../hub/stream'
import { sseFramer, type SseEvent } from '../sse/parse'
import type { Emit, Stage } from '../streams/stage'
import type { AnswerPipe } from './watch-answer'
import { concatBytes } from '../streams/concat-bytes'

/** Upstream bytes in, the client's bytes out, for a passed-through stream that interceptors watch. */
export interface FrameRewriter {
  /** One upstream chunk; returns what the client gets now (possibly nothing: held). */
  push(chunk: Uint8Array): Uint8Array | undefined
  /** The upstream ended: whatever is still due to the client. */
  end(): Uint8Array | undefined
  /** A watch ended the answer early: the upstream is not read any further. */
  readonly over: boolean
}

const LF = 0x0a
const CR = 0x0d
const encoder = new TextEncoder()
const discard: Emit<string> = { enqueue() {} }

interface Frame {
  bytes: Uint8Array
  /** Sequence numbers of the hub events it decoded to: [first, last). */
  first: number
  last: number
}

/**
 * A same-protocol stream watched by interceptors, with the upstream's bytes kept:
 * the bytes are cut into SSE frames, each frame is decoded to hub events for the
 * watches, and a frame goes to the client, as it came, as soon as every event it
 * carries has come out of the watches unchanged, in order (at once, unless a
 * watch holds one of them: then that frame, and the frames after it, wait).
 *
 * The first time the watches change something (a new event, or one left out),
 * the rest of the answer is encoded from the events instead: the frames still
 * waiting are dropped and their events that had come out are encoded. The
 * encoder has been shown every event already sent as raw bytes (its output
 * thrown away), so what it writes next continues the same stream (block
 * numbers, ids). After the upstream's own finish has gone by unchanged, the
 * frames that follow it (`[DONE]`, `message_stop`) go on as they come.
 */
export function holdFrames(decode: Stage<SseEvent, HubStreamEvent>, pipe: AnswerPipe, encode: Stage<HubStreamEvent, string>): FrameRewriter {
  const framer = sseFramer()
  let carry: Uint8Array | undefined
  let raw = true
  let finishedRaw = false
  let nextSeq = 0
  let seq = 0
  const seqOf = new Map<HubStreamEvent, number>()
  const pending: Frame[] = []
  /** Events out of the watches (in raw mode) whose frame has not gone yet. */
  const unsent: HubStreamEvent[] = []
  let parts: Uint8Array[] = []
  let text = ''
  const textSink: Emit<string> = { enqueue: (t) => void (text += t) }
  // The upstream's bytes carry whatever the encoder's start would have written.
  encode.start?.(discard)

  const release = () => {
    while (pending.length && pending[0]!.last <= nextSeq) {
      const f = pending.shift()!
      if (f.bytes.length) parts.push(f.bytes)
      for (let n = f.last - f.first; n > 0; n--) {
        const e = unsent.shift()!
        encode.transform(e, discard)
        if (e.type === 'finish') finishedRaw = true
      }
    }
  }
  const toEncoding = () => {
    raw = false
    pending.length = 0
    seqOf.clear()
    for (const e of unsent) encode.transform(e, textSink)
    unsent.length = 0
  }
  const toClient: Emit<HubStreamEvent> = {
    enqueue(e) {
      if (raw) {
        const s = seqOf.get(e)
        if (s === nextSeq) {
          seqOf.delete(e)
          nextSeq++
          unsent.push(e)
          return release()
        }
        toEncoding()
      }
      encode.transform(e, textSink)
    },
  }

  let decoded: HubStreamEvent[] = []
  const events: Emit<HubStreamEvent> = { enqueue: (e) => void decoded.push(e) }
  // Some decoders (Chat Completions, Responses) take their output in start(), not in each transform().
  decode.start?.(events)
  let sse: SseEvent | undefined
  const sseSink: Emit<SseEvent> = { enqueue: (e) => void (sse = e) }

  /** One whole frame (its blank line included). */
  const frame = (bytes: Uint8Array) => {
    if (finishedRaw && raw) return void parts.push(bytes)
    sse = undefined
    framer.transform(bytes, sseSink)
    decoded = []
    if (sse) decode.transform(sse, events)
    feed(bytes, decoded)
  }
  const feed = (bytes: Uint8Array, got: HubStreamEvent[]) => {
    if (raw) {
      pending.push({ bytes, first: seq, last: seq + got.length })
      for (const e of got) seqOf.set(e, seq++)
    }
    for (const e of got) pipe.transform(e, toClient)
    if (raw) release()
  }
  const take = (): Uint8Array | undefined => {
    if (text) {
      parts.push(encoder.encode(text))
      text = ''
    }
    if (!parts.length) return undefined
    const out = parts.length === 1 ? parts[0]! : concatBytes(parts)
    parts = []
    return out
  }

  return {
    push(chunk) {
      let bytes = chunk
      if (carry) {
        bytes = concatBytes([carry, chunk])
        carry = undefined
      }
      let start = 0
      for (let i = bytes.indexOf(LF); i !== -1 && !pipe.cutShort(); i = bytes.indexOf(LF, i + 1)) {
        // A blank line ends a frame: LF LF, or LF CR LF.
        let end = -1
        if (bytes[i + 1] === LF) end = i + 2
        else if (bytes[i + 1] === CR && bytes[i + 2] === LF) end = i + 3
        if (end === -1) continue
        frame(bytes.subarray(start, end))
        start = end
        i = end - 1
      }
      if (start < bytes.length && !pipe.cutShort()) carry = bytes.slice(start)
      return take()
    },
    end() {
      if (!pipe.cutShort()) {
        if (carry) frame(carry)
        carry = undefined
        decoded = []
        decode.flush?.(events)
        if (decoded.length) feed(new Uint8Array(0), decoded)
        pipe.flush?.(toClient)
        // Frames whose events never came out of the watches (dropped at the end): what came out is encoded.
        if (raw && pending.length) toEncoding()
      }
      if (!raw) encode.flush?.(textSink)
      return take()
    },
    get over() {
      return pipe.cutShort()
    },
  }
}
