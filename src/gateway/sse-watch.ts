import { GatewayError } from '../hub/errors'
import type { ProtocolId } from '../protocols/types'

const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const TAB = 0x09
const QUOTE = 0x22
const COLON = 0x3a
/** How much of a line's start is kept when a chunk boundary cuts it: enough for every marker below. */
const HEAD = 64

const bytes = (s: string) => new TextEncoder().encode(s)

/** Line starts that make a frame its stream's last (the protocol's terminal event, or the upstream's error event). */
const TERMINAL_LINES: Record<ProtocolId, Uint8Array[]> = {
  'openai-chat': ['data: [DONE]', 'data:[DONE]', 'data: {"error"', 'data:{"error"'].map(bytes),
  anthropic: [
    'event: message_stop',
    'event:message_stop',
    'event: error',
    'event:error',
    'data: {"type":"message_stop"',
    'data: {"type": "message_stop"',
    'data: {"type":"error"',
    'data: {"type": "error"',
  ].map(bytes),
  'openai-responses': ['response.completed', 'response.incomplete', 'response.failed', 'error'].flatMap((t) =>
    [`event: ${t}`, `event:${t}`, `data: {"type":"${t}"`, `data: {"type": "${t}"`].map(bytes),
  ),
  gemini: ['data: {"error"', 'data:{"error"'].map(bytes),
  'gemini-code-assist': ['data: {"error"', 'data:{"error"'].map(bytes),
}

/**
 * Keys whose string value anywhere in a frame means the answer is complete, as
 * the translating decoders see it: a Gemini chunk's `finishReason` or
 * `blockReason` (Gemini has no end marker, and the key may sit anywhere in a
 * long last chunk). Matched byte by byte as the bytes go by, so a key cut by a
 * chunk boundary is still found.
 */
const FINISH_KEYS: Partial<Record<ProtocolId, Uint8Array[]>> = {
  gemini: [bytes('"finishReason"'), bytes('"blockReason"')],
  'gemini-code-assist': [bytes('"finishReason"'), bytes('"blockReason"')],
}

/**
 * An OpenAI chunk's non-null `finish_reason` also ends a stream for the
 * translating decoder (hosts that leave out `[DONE]`). It is looked for only when
 * a stream ends without `[DONE]`, in a copy of the stream's last bytes: the
 * finish chunk is the last or next to last (then the usage chunk). Matching it on
 * every byte would double the watch's cost on the hottest path.
 */
const TAIL_KEY: Partial<Record<ProtocolId, Uint8Array>> = { 'openai-chat': bytes('"finish_reason"') }
const TAIL = 1024

/** What the end of one line meant. */
const LINE = 0
const BLANK = 1
const TERMINAL = 2

const DATA = bytes('data:')

/**
 * What the pass-through guard needs to know about an upstream's SSE bytes, found
 * without decoding them: whether the protocol's terminal event has gone by,
 * whether the bytes so far end at a frame boundary (so an error frame can follow
 * on a fresh line), and whether the stream is broken. One plain-JS pass over
 * each chunk's bytes; only a line's first bytes are looked at, and only a line
 * cut by a chunk boundary has its start copied (into a small fixed buffer).
 *
 * Broken: bytes that are not UTF-8, or a frame whose data cannot be JSON (it
 * does not start with `{` or `[` and end with `}` or `]`; `[DONE]` passes).
 * That is a structural check, not a parse: a frame such as `{"a":}` passes, and
 * its client's parser reports it. (Decoding and parsing every frame costs about
 * 1 µs per 250-byte chunk, several times the whole watch, measured.)
 *
 * LF and CRLF line ends are read; a stream using bare CR line ends is not
 * followed, and would be told it ended early.
 */
export class SseWatch {
  /** The terminal event's frame has gone by: the stream is complete. */
  ended = false
  /** The bytes passed on so far end at a frame boundary (or there are none). */
  atBoundary = true

  readonly #terminal: Uint8Array[]
  readonly #finishKeys: readonly Uint8Array[] | undefined
  readonly #tailKey: Uint8Array | undefined
  /** The stream's last bytes (TAIL_KEY protocols only; made when a chunk leaves the stream unfinished). */
  #tail: Uint8Array | undefined
  #tailPos = 0
  #tailFull = false
  // UTF-8: continuation bytes still due, and the range the next one must be in.
  #need = 0
  #lo = 0x80
  #hi = 0xbf
  // The current line, when it began in an earlier chunk: its length so far, its first bytes, its last content byte.
  #lineLen = 0
  /** Made the first time a chunk boundary cuts a line (a stream that comes in whole never needs it). */
  #head: Uint8Array | undefined
  #headLen = 0
  #lineLast = -1
  #prevBlank = true
  // The current frame: a terminal marker seen; its data's first and last bytes (-1: none yet; -2: not checkable).
  #terminalFrame = false
  #first = -1
  #last = -1
  /** A finish key was seen: the stream may end at the next frame boundary. */
  #finishSeen = false
  /** How far each finish key has matched (its length: the key is complete, its value is next). */
  readonly #keyAt = [0, 0]

  constructor(protocol: ProtocolId) {
    this.#terminal = TERMINAL_LINES[protocol]
    this.#finishKeys = FINISH_KEYS[protocol]
    this.#tailKey = TAIL_KEY[protocol]
  }

  /** The stream may end here: its terminal event has passed, or a finish was seen and the last frame is whole. */
  get complete(): boolean {
    if (this.ended) return true
    if (!this.atBoundary) return false
    if (!this.#finishSeen && this.#tailKey) {
      const tail = this.#tailBytes()
      this.#finishSeen = hasKey(tail, tail.length, this.#tailKey)
    }
    return this.#finishSeen
  }

  /**
   * Looks at one chunk before it goes on. Returns undefined when all of it may go; else the
   * error, with `keep`: how many of the chunk's bytes may go first (those before a broken frame).
   *
   * One pass over the bytes in plain JS: line ends, UTF-8 validity and the finish keys are found
   * together (cheaper than native `indexOf` per line plus a `TextDecoder` per chunk, measured).
   */
  feed(chunk: Uint8Array): { error: GatewayError; keep: number } | undefined {
    if (this.ended) return undefined
    const length = chunk.length
    // Where the current frame began in this chunk (-1: in an earlier one).
    let frameAt = this.atBoundary && this.#lineLen === 0 && this.#headLen === 0 ? 0 : -1
    let start = 0
    let need = this.#need
    let lo = this.#lo
    let hi = this.#hi
    // The finish keys' matches, in locals for the loop (at most two keys).
    const keys = this.#finishSeen ? undefined : this.#finishKeys
    const key0 = keys?.[0]
    const key1 = keys?.[1]
    let m0 = this.#keyAt[0]!
    let m1 = this.#keyAt[1]!
    for (let i = 0; i < length; i++) {
      const b = chunk[i]!
      if (need) {
        // A UTF-8 continuation byte, in the range its lead byte allows.
        if (b < lo || b > hi) return { error: notUtf8(), keep: 0 }
        lo = 0x80
        hi = 0xbf
        need--
        continue
      }
      if (b >= 0x80) {
        if (b >= 0xc2 && b <= 0xdf) need = 1
        else if (b === 0xe0) (need = 2), (lo = 0xa0)
        else if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) need = 2
        else if (b === 0xed) (need = 2), (hi = 0x9f)
        else if (b === 0xf0) (need = 3), (lo = 0x90)
        else if (b >= 0xf1 && b <= 0xf3) need = 3
        else if (b === 0xf4) (need = 3), (hi = 0x8f)
        else return { error: notUtf8(), keep: 0 }
        continue
      }
      if (key0 !== undefined) {
        // A key is its quotes and name: inside a string its quotes would be escaped (`\"`), so it
        // cannot match there. It counts once a colon and the quote of a string value follow.
        if (m0 === 0) {
          if (b === QUOTE) m0 = 1
        } else if (m0 < key0.length) m0 = b === key0[m0] ? m0 + 1 : b === QUOTE ? 1 : 0
        else if (b === QUOTE) this.#finishSeen = true
        else if (b !== COLON && b !== SPACE) m0 = 0
        if (key1 !== undefined) {
          if (m1 === 0) {
            if (b === QUOTE) m1 = 1
          } else if (m1 < key1.length) m1 = b === key1[m1] ? m1 + 1 : b === QUOTE ? 1 : 0
          else if (b === QUOTE) this.#finishSeen = true
          else if (b !== COLON && b !== SPACE) m1 = 0
        }
      }
      if (b !== LF) continue
      const verdict = this.#endLine(chunk, start, i, frameAt)
      start = i + 1
      if (verdict === BLANK) frameAt = start
      else if (verdict === TERMINAL) return undefined
      else if (verdict !== LINE) return verdict
    }
    this.#need = need
    this.#lo = lo
    this.#hi = hi
    this.#keyAt[0] = m0
    this.#keyAt[1] = m1
    if (this.#tailKey) this.#keepTail(chunk)
    if (start < length) {
      this.#keepHead(chunk, start, length)
      let end = length
      if (chunk[end - 1] === CR) end--
      this.#lineLen += end - start
      if (end > start) this.#lineLast = chunk[end - 1]!
      this.atBoundary = false
    } else this.atBoundary = this.#prevBlank
    return undefined
  }

  /** The line that ends at `lf` (it began at `start`, or in an earlier chunk). */
  #endLine(chunk: Uint8Array, start: number, lf: number, frameAt: number): typeof LINE | typeof BLANK | typeof TERMINAL | { error: GatewayError; keep: number } {
    let end = lf
    if (end > start && chunk[end - 1] === CR) end--
    let len: number
    let last: number
    let head: Uint8Array
    let hs: number
    let he: number
    if (this.#lineLen === 0 && this.#headLen === 0) {
      len = end - start
      last = len ? chunk[end - 1]! : -1
      head = chunk
      hs = start
      he = Math.min(end, start + HEAD)
    } else {
      // A line that began in an earlier chunk: finish its head from this chunk.
      this.#keepHead(chunk, start, end)
      len = this.#lineLen + (end - start)
      last = end > start ? chunk[end - 1]! : this.#lineLast
      head = this.#head!
      hs = 0
      he = this.#headLen
      this.#lineLen = 0
      this.#headLen = 0
      this.#lineLast = -1
    }
    if (len !== 0) {
      this.#prevBlank = false
      this.#line(head, hs, he, len, last)
      return LINE
    }
    // A blank line: the frame is complete.
    if (this.#first !== -1 && !jsonShaped(this.#first, this.#last)) {
      this.atBoundary = frameAt >= 0
      return { error: brokenFrame(), keep: frameAt >= 0 ? frameAt : 0 }
    }
    if (this.#terminalFrame) {
      this.ended = true
      this.atBoundary = true
      return TERMINAL
    }
    this.#first = this.#last = -1
    this.#prevBlank = true
    return BLANK
  }

  /** At the end of the stream: a multi-byte character cut off at the very end is not UTF-8 either. */
  finish(): GatewayError | undefined {
    if (this.ended || this.#need === 0) return undefined
    return notUtf8()
  }

  /** One complete non-blank line: `head[hs, he)` is its start, `len` its length, `last` its last byte. */
  #line(head: Uint8Array, hs: number, he: number, len: number, last: number): void {
    const first = head[hs]
    // Only `event:` and `data:` lines matter (the markers all start with one or the other).
    if (first !== 0x65 && first !== 0x64) return
    const markers = this.#terminal
    for (let m = 0; m < markers.length; m++) if (startsWith(head, hs, he, markers[m]!)) this.#terminalFrame = true
    if (first !== 0x64 || !startsWith(head, hs, he, DATA)) return
    let v = hs + 5
    if (v < he && head[v] === SPACE) v++
    const valueLen = len - (v - hs)
    if (valueLen <= 0) return // `data:` with nothing: no payload to check
    if (this.#first === -1) this.#first = v < he ? head[v]! : -2
    this.#last = last === SPACE || last === TAB ? -2 : last
  }

  /** Keeps a copy of the stream's last TAIL bytes, in a ring (one copy of at most TAIL bytes per chunk). */
  #keepTail(chunk: Uint8Array): void {
    const tail = (this.#tail ??= new Uint8Array(TAIL))
    const n = chunk.length
    let pos = this.#tailPos
    if (n >= TAIL) {
      tail.set(n === TAIL ? chunk : chunk.subarray(n - TAIL))
      pos = 0
      this.#tailFull = true
    } else if (pos + n < TAIL) {
      tail.set(chunk, pos)
      pos += n
    } else {
      const first = TAIL - pos
      tail.set(first === n ? chunk : chunk.subarray(0, first), pos)
      if (first < n) tail.set(chunk.subarray(first), 0)
      pos = n - first
      this.#tailFull = true
    }
    this.#tailPos = pos
  }

  /** The ring's bytes in order. */
  #tailBytes(): Uint8Array {
    const tail = this.#tail
    if (!tail) return new Uint8Array(0)
    if (!this.#tailFull) return tail.subarray(0, this.#tailPos)
    const out = new Uint8Array(TAIL)
    out.set(tail.subarray(this.#tailPos))
    out.set(tail.subarray(0, this.#tailPos), TAIL - this.#tailPos)
    return out
  }

  /** Copies what fits of `chunk[from, to)` after the head kept so far (a line cut by a chunk boundary). */
  #keepHead(chunk: Uint8Array, from: number, to: number): void {
    const room = HEAD - this.#headLen
    if (room <= 0 || to <= from) return
    const n = Math.min(room, to - from)
    const head = (this.#head ??= new Uint8Array(HEAD))
    for (let i = 0; i < n; i++) head[this.#headLen + i] = chunk[from + i]!
    this.#headLen += n
  }
}

/** Compared from the end: markers share their starts (`data: {"type":"`), so most differ at once. */
function startsWith(buf: Uint8Array, from: number, end: number, marker: Uint8Array): boolean {
  if (end - from < marker.length) return false
  for (let i = marker.length - 1; i >= 0; i--) if (buf[from + i] !== marker[i]) return false
  return true
}

/** `key`, then a colon, then a string value (not null), in `buf[0, end)`. */
function hasKey(buf: Uint8Array, end: number, key: Uint8Array): boolean {
  for (let at = buf.indexOf(key[0]!); at !== -1 && at + key.length < end; at = buf.indexOf(key[0]!, at + 1)) {
    if (!startsWith(buf, at, end, key)) continue
    let i = at + key.length
    while (i < end && (buf[i] === COLON || buf[i] === SPACE)) i++
    if (i < end && buf[i] === QUOTE) return true
  }
  return false
}

/** A frame's data could be JSON: `{…}` or `[…]` (a `-2` end could not be checked and passes). */
function jsonShaped(first: number, last: number): boolean {
  if (first === -2 || last === -2) return true
  return (first === 0x7b && last === 0x7d) || (first === 0x5b && last === 0x5d)
}

const notUtf8 = () => new GatewayError('bad_gateway', 'The upstream stream carried bytes that are not UTF-8.')
const brokenFrame = () => new GatewayError('bad_gateway', 'The upstream sent a stream event that is not JSON.')
