import { GatewayError } from '../hub/errors'
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
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Server-sent events framed by scanning bytes: lines are found by looking for
 * CR/LF in the raw chunks, each line is decoded once, and an event leaves as soon
 * as its blank line arrives. Only a line cut by a chunk boundary is carried over
 * (as bytes). Follows the WHATWG rules (LF, CR or CRLF line ends; `:` comments;
 * `data` lines joined with LF; one leading space after the colon dropped; a BOM
 * at the start ignored). A value that is not UTF-8 throws a bad_gateway error (a
 * corrupted stream is not passed off as text with replacement characters). At
 * the end of the stream it also hands over an event that lacks its final blank
 * line, rather than losing it.
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
    // Only `data` and `event` matter (id, retry and unknown fields carry nothing the gateway needs);
    // the field name is compared as bytes, and only the value is decoded.
    const isData = colon - start === 4 && bytes[start] === 0x64 && bytes[start + 1] === 0x61 && bytes[start + 2] === 0x74 && bytes[start + 3] === 0x61
    const isEvent =
      !isData && colon - start === 5 && bytes[start] === 0x65 && bytes[start + 1] === 0x76 && bytes[start + 2] === 0x65 && bytes[start + 3] === 0x6e && bytes[start + 4] === 0x74
    if (!isData && !isEvent) return
    let valueStart = colon < end ? colon + 1 : end
    if (valueStart < end && bytes[valueStart] === SPACE) valueStart++
    let value: string
    try {
      value = decoder.decode(bytes.subarray(valueStart, end))
    } catch {
      throw new GatewayError('bad_gateway', 'The upstream stream carried bytes that are not UTF-8.')
    }
    if (isData) data = data === undefined ? value : `${data}\n${value}`
    else event = value
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
      // Line ends are found with native indexOf (LF, and CR for the streams that use it).
      let start = i
      let nextCr = bytes.indexOf(CR, i)
      for (;;) {
        let lf = bytes.indexOf(LF, start)
        if (nextCr !== -1 && nextCr < start) nextCr = bytes.indexOf(CR, start)
        const end = nextCr !== -1 && (lf === -1 || nextCr < lf) ? nextCr : lf
        if (end === -1) break
        line(bytes, start, end, controller)
        if (end === nextCr) {
          if (end + 1 === bytes.length) skipLf = true
          else if (bytes[end + 1] === LF) lf = end + 1
          start = (lf === end + 1 ? lf : end) + 1
        } else start = end + 1
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
