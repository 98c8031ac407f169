import { toTransformStream, type Emit, type Stage } from '../streams/stage'

export interface SseEvent {
  /** The `event:` field, when the sender named one. */
  event?: string
  data: string
}

const LF = 0x0a
const CR = 0x0d
const COLON = 0x3a
const SPACE = 0x20
const decoder = new TextDecoder()

/**
 * Server-sent events framed by scanning bytes: lines are found by looking for
 * CR/LF in the raw chunks, each line is decoded once, and an event leaves as soon
 * as its blank line arrives. Only a line cut by a chunk boundary is carried over
 * (as bytes). Follows the WHATWG rules (LF, CR or CRLF line ends; `:` comments;
 * `data` lines joined with LF; one leading space after the colon dropped; a BOM
 * at the start ignored), and at the end of the stream it also hands over an
 * event that lacks its final blank line, rather than losing it.
 */
export function sseFramer(): Stage<Uint8Array, SseEvent> {
  let carry: Uint8Array | undefined // an unfinished line
  let skipLf = false // the previous chunk ended in CR: a leading LF belongs to it
  let first = true
  let event: string | undefined
  let data: string | undefined

  const dispatch = (controller: Emit<SseEvent>) => {
    if (data !== undefined) controller.enqueue(event ? { event, data } : { data })
    event = undefined
    data = undefined
  }

  const line = (bytes: Uint8Array, start: number, end: number, controller: Emit<SseEvent>) => {
    if (start === end) return dispatch(controller)
    if (bytes[start] === COLON) return // comment
    let colon = start
    while (colon < end && bytes[colon] !== COLON) colon++
    const name = decoder.decode(bytes.subarray(start, colon))
    let valueStart = colon < end ? colon + 1 : end
    if (valueStart < end && bytes[valueStart] === SPACE) valueStart++
    const value = decoder.decode(bytes.subarray(valueStart, end))
    if (name === 'data') data = data === undefined ? value : `${data}\n${value}`
    else if (name === 'event') event = value
    // id, retry and unknown fields carry nothing the gateway needs
  }

  return {
    transform(chunk, controller) {
      let bytes = chunk
      if (carry) {
        bytes = new Uint8Array(carry.length + chunk.length)
        bytes.set(carry)
        bytes.set(chunk, carry.length)
        carry = undefined
      }
      let i = 0
      if (first) {
        first = false
        if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3
      }
      if (skipLf && bytes[i] === LF) i++
      skipLf = false
      let start = i
      for (; i < bytes.length; i++) {
        const b = bytes[i]
        if (b !== LF && b !== CR) continue
        line(bytes, start, i, controller)
        if (b === CR) {
          if (i + 1 === bytes.length) skipLf = true
          else if (bytes[i + 1] === LF) i++
        }
        start = i + 1
      }
      if (start < bytes.length) carry = bytes.slice(start)
    },
    flush(controller) {
      if (carry) line(carry, 0, carry.length, controller)
      dispatch(controller)
    },
  }
}

/** Bytes of an SSE response → one SseEvent per event, as each completes. */
export function parseSse(body: ReadableStream<Uint8Array>): ReadableStream<SseEvent> {
  return body.pipeThrough(toTransformStream(sseFramer()))
}
