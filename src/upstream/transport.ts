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
}

export type Transport = (req: UpstreamRequest) => Promise<UpstreamResponse>

export const fetchTransport: Transport = (r) => fetch(r.url, { method: r.method, headers: r.headers, body: r.body, signal: r.signal })
