import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Readable } from 'node:stream'
import type { Transport, UpstreamResponse } from '../src/upstream/transport'

/**
 * The Node transport: node:http(s) with keep-alive agents. It costs a fraction
 * of the global fetch per call (no WHATWG Request or Response, no body mixins)
 * and loads no HTTP client of its own: the gateway process holds only Node's.
 */
export function nodeHttpTransport(): Transport {
  // No cap on sockets per upstream: a cap would queue streams behind each other.
  const options = { keepAlive: true, keepAliveMsecs: 30_000, maxSockets: Infinity, maxFreeSockets: 256, scheduling: 'lifo' as const }
  const agents = { http: new HttpAgent(options), https: new HttpsAgent(options) }
  return (r) => {
    const url = new URL(r.url)
    const secure = url.protocol === 'https:'
    const headers: OutgoingHttpHeaders = {}
    r.headers.forEach((value, name) => {
      headers[name] = value
    })
    const body = r.body === undefined ? undefined : Buffer.from(r.body)
    if (body) headers['content-length'] = body.byteLength
    const req = (secure ? httpsRequest : httpRequest)(url, { method: r.method, headers, agent: secure ? agents.https : agents.http, signal: r.signal })
    req.end(body)
    return answer(req)
  }
}

/**
 * The answer to a sent request. Its listeners hold nothing of the call, since the
 * request object lives as long as the response streams.
 */
function answer(req: ClientRequest): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    req.once('error', reject)
    req.once('response', (res) => {
      req.off('error', reject)
      // From here on, a failure reaches the caller through the body.
      req.on('error', ignore)
      const status = res.statusCode ?? 502
      if (status === 204 || status === 304) {
        res.resume()
        return resolve(new NodeUpstreamResponse(res, null))
      }
      // A stream stays a stream; a finished body (JSON, an error) is read at once, which is cheaper than a Web stream.
      if (String(res.headers['content-type'] ?? '').includes('text/event-stream')) resolve(new NodeUpstreamResponse(res, webStream(res)))
      else readAll(res).then((bytes) => resolve(new NodeUpstreamResponse(res, bytes)), reject)
    })
  })
}

const ignore = () => {}
const decoder = new TextDecoder()

/** The upstream's answer, with the headers built only when read. */
class NodeUpstreamResponse implements UpstreamResponse {
  readonly status: number
  #raw: string[]
  #headers?: Headers
  #stream: ReadableStream<Uint8Array> | null
  #bytes?: Uint8Array

  constructor(res: IncomingMessage, body: ReadableStream<Uint8Array> | Uint8Array | null) {
    this.status = res.statusCode ?? 502
    this.#raw = res.rawHeaders
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
      const raw = this.#raw
      for (let i = 0; i < raw.length; i += 2) h.append(raw[i]!, raw[i + 1]!)
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

function readAll(res: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    res.on('error', reject)
    res.on('close', () => {
      if (!res.complete) reject(new Error('upstream connection closed'))
    })
  })
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
