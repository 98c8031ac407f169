import { Readable } from 'node:stream'
import { Agent, request } from 'undici'
import type { Transport } from '../src/upstream/transport'

/**
 * The Node transport: undici's pooled `request` with keep-alive, which costs a
 * fraction of the global fetch per call (no WHATWG Request, no body mixins),
 * returned as a Web Response so the core stays Web-standard.
 */
export function undiciTransport(options: { connections?: number } = {}): Transport {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000, connections: options.connections ?? 256 })
  return async (r) => {
    const headers: Record<string, string> = {}
    r.headers.forEach((value, name) => {
      headers[name] = value
    })
    const res = await request(r.url, { method: r.method, headers, body: r.body, signal: r.signal, dispatcher })
    const out = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      if (Array.isArray(value)) for (const v of value) out.append(name, v)
      else out.set(name, value)
    }
    if (res.statusCode === 204 || res.statusCode === 304) {
      res.body.resume()
      return new Response(null, { status: res.statusCode, headers: out })
    }
    // A stream stays a stream; a finished body (JSON, an error) is read at once, which is cheaper than a Web stream.
    const streaming = String(res.headers['content-type'] ?? '').includes('text/event-stream')
    const body = streaming
      ? (Readable.toWeb(res.body) as unknown as ReadableStream<Uint8Array>)
      : new Uint8Array(await res.body.arrayBuffer())
    return new Response(body, { status: res.statusCode, headers: out })
  }
}
