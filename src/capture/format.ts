/**
 * The wire-capture record format, version 1 (documented in the README, "Capture").
 *
 * A capture file (Node and Deno: a file under CAPTURE_DIR; Workers: one R2 object) is a sequence of CBOR
 * items, read with cbor-x's `decodeMultiple`: first one CaptureHeader, then CaptureRecords in the order
 * they were written. Records of one exchange are written together, in `seq` order, once it is over; a
 * file holds many exchanges (of one session on R2). Nothing secret is in a record: header values that
 * carry credentials, `?key=` and every configured key found in a body are replaced by `[REDACTED]`
 * (the redactor's marker, src/security/redactor.ts) before anything is encoded.
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
 *
 * The meta fields as the writer (src/capture/exchange-capture.ts) sets them:
 * - client-request head: `method`, `path` (with its query), `headers`.
 * - upstream-request head: `attempt`, `method`, `url`, `headers`, `route` (`backend:model`), `backend`,
 *   `model`, `key` (`…abcd`, absent without a key), `passThrough` (the client's body went on unchanged).
 * - upstream-response: `attempt` on every record; head `status`, `headers`; `end` may say `cancelled: true`
 *   (the gateway let the upstream go); `error` has `message`.
 * - client-response: head `status`, `headers`; `chunk` per piece of the body as it left (a finished answer
 *   too); `error` has `message` and `cancelled: true` when the client went away.
 * - summary: `requestId`, `startedAt`, `session`, `client`, `frontEnd`, `backend` (`gateway` for a reply to
 *   a `!/` command), `model`, `status`, `stream`, `attempts` (`backend:model` each), `usage`
 *   (`inputTokens`, `outputTokens`, `cachedInputTokens`, `reasoningTokens` as reported), `ttfbMs`, `totalMs`.
 * - Bounds (CAPTURE_MAX_EXCHANGE_BYTES): a record whose data was cut has `truncated: true` and `bytes` (the
 *   whole length); an `end`/`error` has `dropped: {chunks, bytes}` for chunks counted but not kept; the
 *   summary `truncated: true`.
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
