import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
// Only the parts of undici the transport uses (the package's index also loads fetch, WebSocket,
// caches, mocks…: ~2 MB more heap and ~5 MB more RSS in every gateway process). undici is pinned.
import Agent from 'undici/lib/dispatcher/agent.js'
import request from 'undici/lib/api/api-request.js'
import type { Transport, UpstreamResponse } from '../src/upstream/transport'

/**
 * The Node transport: undici's pooled `request` with keep-alive, which costs a
 * fraction of the global fetch per call (no WHATWG Request or Response, no body
 * mixins; measured against node:http's client too, which took ~15% more CPU per
 * streamed response). The answer is a plain UpstreamResponse, so the core stays
 * Web-standard without building a Response it would only take apart.
 */
export function undiciTransport(): Transport {
  // No cap on connections per upstream: a cap would queue streams behind each other.
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000 })
  return async (r) => {
    const headers: Record<string, string> = {}
    r.headers.forEach((value, name) => {
      headers[name] = value
    })
    const url = new URL(r.url)
    // A Buffer body is kept as is by undici (a string would be kept twice, as text and as a copy, while the answer streams).
    const body = r.body === undefined ? undefined : Buffer.from(r.body)
    const res = await request.call(dispatcher, { origin: url.origin, path: url.pathname + url.search, method: r.method, headers, body, signal: r.signal })
    const status = res.statusCode
    if (status === 204 || status === 304) {
      res.body.resume()
      return new UndiciUpstreamResponse(status, res.headers, null)
    }
    // A stream stays a stream; a finished body (JSON, an error) is read at once, which is cheaper than a Web stream.
    const streaming = String(res.headers['content-type'] ?? '').includes('text/event-stream')
    return new UndiciUpstreamResponse(status, res.headers, streaming ? webStream(res.body) : new Uint8Array(await res.body.arrayBuffer()))
  }
}

const decoder = new TextDecoder()

/** The upstream's answer; Headers are built only when read. */
class UndiciUpstreamResponse implements UpstreamResponse {
  readonly status: number
  #raw: IncomingHttpHeaders
  #headers?: Headers
  #stream: ReadableStream<Uint8Array> | null
  #bytes?: Uint8Array

  constructor(status: number, headers: IncomingHttpHeaders, body: ReadableStream<Uint8Array> | Uint8Array | null) {
    this.status = status
    this.#raw = headers
    if (body instanceof Uint8Array) {
      this.#bytes = body
      this.#stream = null
    } else this.#stream = body
  }

  /** The streaming body; a body read whole on arrival is handed out as a one-piece stream when asked for. */
  get body(): ReadableStream<Uint8Array> | null {
    const bytes = this.#bytes
    if (bytes && !this.#stream)
      this.#stream = new ReadableStream({
        start(controller) {
          if (bytes.byteLength) controller.enqueue(bytes)
          controller.close()
        },
      })
    return this.#stream
  }

  get ok() {
    return this.status >= 200 && this.status < 300
  }

  get headers(): Headers {
    if (!this.#headers) {
      const h = new Headers()
      for (const [name, value] of Object.entries(this.#raw)) {
        if (value === undefined) continue
        if (Array.isArray(value)) for (const v of value) h.append(name, v)
        else h.set(name, value)
      }
      this.#headers = h
    }
    return this.#headers
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#read()
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  }

  async text(): Promise<string> {
    return decoder.decode(await this.#read())
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }

  async #read(): Promise<Uint8Array> {
    if (this.#bytes) return this.#bytes
    if (!this.#stream) return new Uint8Array(0)
    return new Uint8Array(await new Response(this.#stream).arrayBuffer())
  }
}

/**
 * A Node stream as a Web stream that hands over, at each read, everything that
 * has arrived so far: bytes are never held back waiting for more, but events that
 * came in together leave together, so a busy gateway makes fewer, larger writes
 * than one per upstream packet.
 */
export function webStream(readable: Readable): ReadableStream<Uint8Array> {
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  readable.on('readable', notify)
  readable.on('end', () => {
    ended = true
    notify()
  })
  readable.on('error', (err) => {
    failure = err
    notify()
  })
  readable.on('close', () => {
    if (!ended && !failure) failure = new Error('upstream connection closed')
    notify()
  })
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const chunk: Buffer | null = readable.read()
          if (chunk !== null) {
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
            return
          }
          if (failure) throw failure
          if (ended) {
            controller.close()
            return
          }
          await new Promise<void>((resolve) => (wake = resolve))
        }
      },
      cancel() {
        readable.destroy()
      },
    },
    { highWaterMark: 0 },
  )
}
