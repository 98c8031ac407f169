import { GatewayError } from '../hub/errors'
import type { ProtocolId } from '../protocols/types'

const LF = 0x0a
const CR = 0x0d
const SPACE = 0x20
const TAB = 0x09
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
/** How much of a line's start is kept when a chunk boundary cuts it: enough for every marker below. */
const HEAD = 64
/** How much of a chunk's end is kept to find a key that a chunk boundary cut in two. */
const TAIL = 32

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
}

/**
 * Keys whose string value anywhere in a frame means the answer is complete, as
 * the translating decoders see it: an OpenAI chunk's non-null `finish_reason`
 * (hosts that leave out `[DONE]`), a Gemini chunk's `finishReason` or
 * `blockReason` (Gemini has no end marker). Each with the index of a rare byte
 * to look for first.
 */
const FINISH_KEYS: Partial<Record<ProtocolId, Array<{ key: Uint8Array; anchor: number }>>> = {
  'openai-chat': [{ key: bytes('"finish_reason"'), anchor: 7 }],
  gemini: [
    { key: bytes('"finishReason"'), anchor: 7 },
    { key: bytes('"blockReason"'), anchor: 6 },
  ],
}

const DATA = bytes('data:')

/**
 * What the pass-through guard needs to know about an upstream's SSE bytes, found
 * without decoding or copying them: whether the protocol's terminal event has
 * gone by, whether the bytes so far end at a frame boundary (so an error frame
 * can follow on a fresh line), and whether a frame is broken. Lines are found
 * with native `indexOf`; only a line's first bytes are looked at, and only a
 * line cut by a chunk boundary has its start copied (into a small fixed buffer).
 *
 * A broken frame is one whose data is not UTF-8 or cannot be JSON: it does not
 * start with `{` or `[` and end with `}` or `]` (`[DONE]` passes). That is a
 * structural check, not a parse: a frame such as `{"a":}` passes, and its
 * client's parser reports it. (Parsing every frame would cost about 1 µs per
 * 250-byte chunk, four times the rest of the watch.)
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
  readonly #finishKeys: Array<{ key: Uint8Array; anchor: number }> | undefined
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true })
  // The current line, when it began in an earlier chunk: its length so far, its first bytes, its last content byte.
  #lineLen = 0
  readonly #head = new Uint8Array(HEAD)
  #headLen = 0
  #lineLast = -1
  #prevBlank = true
  // The current frame: a terminal marker seen; its data's first and last bytes (-1: none yet; -2: not checkable).
  #terminalFrame = false
  #first = -1
  #last = -1
  /** A finish key was seen: the stream may end at the next frame boundary. */
  #finishSeen = false
  readonly #tail = new Uint8Array(TAIL * 2)
  #tailLen = 0

  constructor(protocol: ProtocolId) {
    this.#terminal = TERMINAL_LINES[protocol]
    this.#finishKeys = FINISH_KEYS[protocol]
  }

  /** The stream may end here: its terminal event has passed, or a finish was seen and the last frame is whole. */
  get complete(): boolean {
    return this.ended || (this.#finishSeen && this.atBoundary)
  }

  /**
   * Looks at one chunk before it goes on. Returns undefined when all of it may go; else the
   * error, with `keep`: how many of the chunk's bytes may go first (those before a broken frame).
   */
  feed(chunk: Uint8Array): { error: GatewayError; keep: number } | undefined {
    if (this.ended) return undefined
    try {
      this.#utf8.decode(chunk, { stream: true })
    } catch {
      return { error: notUtf8(), keep: 0 }
    }
    if (this.#finishKeys && !this.#finishSeen) this.#findFinish(chunk)

    const length = chunk.length
    const wasAtBoundary = this.atBoundary
    // Where the current frame began in this chunk (-1: in an earlier one).
    let frameAt = wasAtBoundary && this.#lineLen === 0 ? 0 : -1
    let start = 0
    for (;;) {
      const lf = chunk.indexOf(LF, start)
      if (lf === -1) break
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
        head = this.#head
        hs = 0
        he = this.#headLen
        this.#lineLen = 0
        this.#headLen = 0
        this.#lineLast = -1
      }
      start = lf + 1
      if (len === 0) {
        // A blank line: the frame is complete.
        const broken = this.#first !== -1 && !jsonShaped(this.#first, this.#last)
        if (broken) {
          this.atBoundary = frameAt >= 0 ? true : false
          return { error: brokenFrame(), keep: frameAt >= 0 ? frameAt : 0 }
        }
        if (this.#terminalFrame) {
          this.ended = true
          this.atBoundary = true
          return undefined
        }
        this.#first = this.#last = -1
        this.#prevBlank = true
        frameAt = start
        continue
      }
      this.#prevBlank = false
      this.#line(head, hs, he, len, last)
    }
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

  /** At the end of the stream: a multi-byte character cut off at the very end is not UTF-8 either. */
  finish(): GatewayError | undefined {
    if (this.ended) return undefined
    try {
      this.#utf8.decode()
    } catch {
      return notUtf8()
    }
    return undefined
  }

  /** One complete non-blank line: `head[hs, he)` is its start, `len` its length, `last` its last byte. */
  #line(head: Uint8Array, hs: number, he: number, len: number, last: number): void {
    for (const marker of this.#terminal) if (startsWith(head, hs, he, marker)) this.#terminalFrame = true
    if (!startsWith(head, hs, he, DATA)) return
    let v = hs + 5
    if (v < he && head[v] === SPACE) v++
    const valueLen = len - (v - hs)
    if (valueLen <= 0) return // `data:` with nothing: no payload to check
    if (this.#first === -1) this.#first = v < he ? head[v]! : -2
    this.#last = last === SPACE || last === TAB ? -2 : last
  }

  /** Copies what fits of `chunk[from, to)` after the head kept so far (a line cut by a chunk boundary). */
  #keepHead(chunk: Uint8Array, from: number, to: number): void {
    const room = HEAD - this.#headLen
    if (room <= 0 || to <= from) return
    const n = Math.min(room, to - from)
    for (let i = 0; i < n; i++) this.#head[this.#headLen + i] = chunk[from + i]!
    this.#headLen += n
  }

  /** Looks for a finish key with a string value, in the chunk and across its boundary with the previous one. */
  #findFinish(chunk: Uint8Array): void {
    const tail = this.#tail
    const lead = Math.min(TAIL, chunk.length)
    for (let i = 0; i < lead; i++) tail[this.#tailLen + i] = chunk[i]!
    if (this.#tailLen && hasFinishKey(tail, this.#tailLen + lead, this.#finishKeys!)) this.#finishSeen = true
    else if (hasFinishKey(chunk, chunk.length, this.#finishKeys!)) this.#finishSeen = true
    // Keep the last TAIL bytes seen (this chunk's, with the previous tail's when the chunk is short).
    const total = this.#tailLen + lead
    if (chunk.length >= TAIL) {
      for (let i = 0; i < TAIL; i++) tail[i] = chunk[chunk.length - TAIL + i]!
      this.#tailLen = TAIL
    } else {
      const keep = Math.min(TAIL, total)
      tail.copyWithin(0, total - keep, total)
      this.#tailLen = keep
    }
  }
}

function startsWith(buf: Uint8Array, from: number, end: number, marker: Uint8Array): boolean {
  if (end - from < marker.length) return false
  for (let i = 0; i < marker.length; i++) if (buf[from + i] !== marker[i]) return false
  return true
}

/** `"key"` (not inside a string: no backslash before it), a colon, and a string value. */
function hasFinishKey(buf: Uint8Array, end: number, keys: Array<{ key: Uint8Array; anchor: number }>): boolean {
  for (const { key, anchor } of keys) {
    let at = buf.indexOf(key[anchor]!, anchor)
    while (at !== -1 && at < end) {
      const from = at - anchor
      if (from + key.length <= end && startsWith(buf, from, end, key) && (from === 0 || buf[from - 1] !== BACKSLASH)) {
        let i = from + key.length
        while (i < end && (buf[i] === SPACE || buf[i] === COLON)) i++
        if (i < end && buf[i] === QUOTE) return true
      }
      at = buf.indexOf(key[anchor]!, at + 1)
    }
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
