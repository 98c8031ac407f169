/**
 * How the gateway reaches upstreams: a plain description of one HTTP call in,
 * the parts of a Web Response the gateway reads out (its body still streaming).
 * The global fetch is the default everywhere; the Node adapter passes a faster
 * one (node:http with keep-alive). Plain fields both ways rather than Request and
 * Response objects, so no transport pays for building them.
 */
export interface UpstreamRequest {
  url: string
  method: 'GET' | 'POST'
  headers: Headers
  body?: string
  /** Aborts the call until the answer starts (a timeout, a client gone); after that, cancelling the body stops it. */
  signal?: AbortSignal
}

/** Reads a body chunk by chunk: a ReadableStream's default reader is one. */
export interface ByteReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>
  cancel(reason?: unknown): Promise<void>
}

/** What a transport answers with: a Web Response is one. */
export interface UpstreamResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: Headers
  /** The body as it arrives (null when there is none). */
  readonly body: ReadableStream<Uint8Array> | null
  text(): Promise<string>
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
  /**
   * Optional: a reader of the body that needs no ReadableStream of its own, for a consumer that
   * only reads it (a transport can hand one out more cheaply than `body.getReader()`).
   */
  reader?(): ByteReader | null
}

/** The body's reader: the transport's own when it has one, else the stream's. */
export function bodyReader(res: UpstreamResponse): ByteReader | null {
  if (res.reader) return res.reader()
  return res.body ? res.body.getReader() : null
}

export type Transport = (req: UpstreamRequest) => Promise<UpstreamResponse>

/**
 * The global fetch. Redirects are not followed (`manual`: a 3xx is answered as it is, an upstream
 * error): a redirect could lead a multi-user gateway to an address its check refuses
 * (src/access/upstream-guard.ts), and an API that moved is a setting to change, not to chase.
 * The Node transport (undici's dispatcher) never follows them either.
 */
export const fetchTransport: Transport = (r) =>
  fetch(r.url, { method: r.method, headers: r.headers, body: r.body, signal: r.signal, redirect: 'manual' })
