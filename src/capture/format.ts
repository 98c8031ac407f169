/**
 * The wire-capture record format, version 1 (documented in the README, "Capture").
 *
 * A capture file (Node and Deno: a file under CAPTURE_DIR; Workers: one R2 object) is a sequence of CBOR
 * items, read with cbor-x's `decodeMultiple`: first one CaptureHeader, then CaptureRecords in the order
 * they were written. Records of one exchange are written together, in `seq` order, once it is over; a
 * file holds many exchanges (of one session on R2). Nothing secret is in a record: header values that
 * carry credentials, `?key=` and every configured key found in a body are replaced by `[redacted]`
 * before anything is encoded.
 */
export const CAPTURE_FORMAT = 'llm-gateway-capture'
export const CAPTURE_VERSION = 1

/** The first item of every capture file or object. */
export interface CaptureHeader {
  format: typeof CAPTURE_FORMAT
  version: typeof CAPTURE_VERSION
  /** ms since epoch when the file was started. */
  created: number
  /** 'node' | 'deno' | 'workers'. */
  runtime: string
}

/**
 * The four legs of an exchange, in the order they happen, and its closing summary:
 * - `client-request`: what the client sent (kind `head`: method, path, headers; `body`: its bytes).
 * - `upstream-request`: one per attempt (`head`: attempt, method, url, headers, route, backend, model,
 *   key as `…abcd`; `body`: the bytes sent).
 * - `upstream-response`: per attempt (`head`: attempt, status, headers; then `chunk` per read as it
 *   arrived, or one `body` for a whole answer; `end` or `error` with a message).
 * - `client-response`: what the client got (`head`: status, headers; `chunk`s or `body`; `end`/`error`).
 * - `exchange`: one `summary` last (session, client, front end, back end, model, status, usage, timings).
 */
export type CaptureLeg = 'client-request' | 'upstream-request' | 'upstream-response' | 'client-response' | 'exchange'
export type CaptureKind = 'head' | 'body' | 'chunk' | 'end' | 'error' | 'summary'

export interface CaptureRecord {
  /** The exchange's id (its `x-request-id` when the gateway made it): records of many exchanges share a file. */
  exchange: string
  /** 0, 1, 2… within the exchange. */
  seq: number
  /** ms since epoch (fractional where the runtime has finer clocks). */
  ts: number
  leg: CaptureLeg
  kind: CaptureKind
  /** What the kind says above; plain CBOR maps of strings and numbers. */
  meta: Record<string, unknown>
  /** Bytes exactly as they crossed the wire (secrets replaced), for `body` and `chunk`. */
  data?: Uint8Array
}

/** A header map as captured: lower-case names, secret values replaced. */
export type CapturedHeaders = Record<string, string>
