import type { Readable } from 'node:stream'
import { Agent, request } from 'undici'
import type { Transport } from '../src/upstream/transport'

/**
 * The Node transport: undici's pooled `request` with keep-alive, which costs a
 * fraction of the global fetch per call (no WHATWG Request, no body mixins),
 * returned as a Web Response so the core stays Web-standard.
 */
export function undiciTransport(): Transport {
  // No cap on connections per upstream: a cap would queue streams behind each other.
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000 })
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
    const body = streaming ? webStream(res.body) : new Uint8Array(await res.body.arrayBuffer())
    return new Response(body, { status: res.statusCode, headers: out })
  }
}

/**
 * A Node stream as a Web stream that hands over, at each read, everything that
 * has arrived so far: bytes are never held back waiting for more, but events that
 * came in together leave together, so a busy gateway makes fewer, larger writes
 * than one per upstream packet.
 */
function webStream(readable: Readable): ReadableStream<Uint8Array> {
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
