/**
 * How the gateway reaches upstreams: a plain description of one HTTP call in,
 * a Web-standard Response out (its body still streaming). The global fetch is
 * the default everywhere; the Node adapter passes a faster one (undici's pooled
 * `request`). Plain fields rather than a Request object, so no transport pays for
 * building one.
 */
export interface UpstreamRequest {
  url: string
  method: 'GET' | 'POST'
  headers: Headers
  body?: string
  signal?: AbortSignal
}

export type Transport = (req: UpstreamRequest) => Promise<Response>

export const fetchTransport: Transport = (r) => fetch(r.url, { method: r.method, headers: r.headers, body: r.body, signal: r.signal })
