import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
// Only the part of undici the transport uses (the package's index also loads fetch, WebSocket,
// caches, mocks…: ~2 MB more heap and ~5 MB more RSS in every gateway process). undici is pinned.
import Agent from 'undici/lib/dispatcher/agent.js'
import type { ByteReader, Transport, UpstreamRequest, UpstreamResponse } from '../src/upstream/transport'

/**
 * The Node transport: undici's connection pool with keep-alive, driven through
 * its handler API. The answer's bytes go straight to the gateway's reader (a
 * Web stream is built only if `body` is asked for): no WHATWG Request or
 * Response, no Node stream in between (measured against undici's `request` and
 * node:http's client, both of which build a Node stream per response, and took
 * more memory and CPU per streamed answer).
 */
export function undiciTransport(options: { refuse?: (address: string) => string | undefined } = {}): Transport {
  // No cap on connections per upstream: a cap would queue streams behind each other.
  // `refuse` (multi-user mode): every address a name resolves to is checked as the socket connects, so a
  // name that changes its answer after the gateway's own check (DNS rebinding) is still refused.
  const connect = options.refuse ? { lookup: guardedLookup(options.refuse) } : undefined
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 300_000, ...(connect ? { connect } : {}) })
  return (r) => new Promise<UpstreamResponse>((resolve, reject) => send(dispatcher, r, resolve, reject))
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** dns.lookup, failing when any address found is one `refuse` names a reason for. */
function guardedLookup(refuse: (address: string) => string | undefined) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options }, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, address, family)
      for (const a of Array.isArray(address) ? address : [{ address, family: family ?? 4 }]) {
        const why = refuse(a.address)
        if (why) {
          const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${a.address}, a ${why} address, which ACCESS_MODE=multi-user refuses`)
          refused.code = 'REFUSED_BY_ACCESS_MODE'
          return callback(refused, address, family)
        }
      }
      callback(null, address, family)
    }) as never)
  }
}

/** Above this many bytes received and not yet read, the upstream socket is paused. */
const HIGH_WATER = 64 * 1024

function send(dispatcher: Dispatcher, r: UpstreamRequest, resolve: (res: UpstreamResponse) => void, reject: (err: Error) => void) {
  const signal = r.signal
  if (signal?.aborted) return reject(abortError(signal))
  const url = new URL(r.url)
  const headers: Record<string, string> = {}
  r.headers.forEach((value, name) => {
    headers[name] = value
  })
  let body: Buffer | Iterable<Buffer> | undefined
  if (r.body !== undefined) {
    // A Buffer body is kept as is by undici (a string would also be copied into one)…
    const bytes = Buffer.from(r.body)
    body = bytes
    // …for the whole exchange, however long the answer streams. A long conversation goes as a one-shot
    // iterable instead, whose bytes can be let go once they are sent.
    if (bytes.byteLength > LARGE_BODY) {
      headers['content-length'] = String(bytes.byteLength)
      body = once(bytes)
    }
  }
  dispatcher.dispatch(
    // (undici's types leave iterables out of `body`; its request writer takes them.)
    { origin: url.origin, path: url.pathname + url.search, method: r.method, headers, body: body as Buffer | undefined },
    new AnswerHandler(signal, resolve, reject),
  )
}

/** Request bodies above this size are sent as a one-shot iterable (see send). */
const LARGE_BODY = 64 * 1024

/** An iterable of one Buffer that lets go of it once handed out (a generator would keep it in its frame). */
function once(bytes: Buffer): Iterable<Buffer> & Iterator<Buffer> {
  let held: Buffer | undefined = bytes
  return {
    [Symbol.iterator]() {
      return this
    },
    next(): IteratorResult<Buffer> {
      const value = held
      held = undefined
      return value ? { value, done: false } : { value: undefined, done: true }
    },
  }
}

const abortError = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new DOMException('This operation was aborted', 'AbortError')

/**
 * One upstream exchange. Before the answer starts, failures reject the call;
 * after, they fail the body. A streamed answer (SSE) is handed over as it
 * arrives, everything received since the last read in one piece; any other
 * answer is read whole first.
 */
class AnswerHandler implements Dispatcher.DispatchHandler, UnderlyingDefaultSource<Uint8Array>, ByteReader {
  #signal: AbortSignal | undefined
  #resolve: ((res: UpstreamResponse) => void) | undefined
  #reject: ((err: Error) => void) | undefined
  #controller: Dispatcher.DispatchController | undefined
  #onAbort: (() => void) | undefined
  #aborted: Error | undefined
  #status = 0
  #headers: IncomingHttpHeaders = {}
  #streaming = false
  #chunks: Buffer[] = []
  #size = 0
  #ended = false
  #failure: Error | undefined
  #wake: (() => void) | undefined

  constructor(signal: AbortSignal | undefined, resolve: (res: UpstreamResponse) => void, reject: (err: Error) => void) {
    this.#resolve = resolve
    this.#reject = reject
    if (signal) {
      this.#signal = signal
      this.#onAbort = () => this.#abort(abortError(signal))
      signal.addEventListener('abort', this.#onAbort, { once: true })
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    if (this.#aborted) controller.abort(this.#aborted)
  }

  /** The caller gave up before the answer started (timeout, client gone): it hears at once, the request is stopped. */
  #abort(reason: Error): void {
    this.#aborted = reason
    this.#controller?.abort(reason)
    this.#fail(reason)
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // undici keeps the raw header Buffers on the controller for the exchange's whole life; they are views
    // into the socket's read buffer, which they would keep too. The parsed headers are all that is needed.
    controller.rawHeaders = null
    if (statusCode < 200) return
    this.#status = statusCode
    this.#headers = headers
    this.#streaming = String(headers['content-type'] ?? '').includes('text/event-stream')
    if (this.#streaming) this.#answer(this)
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#size += chunk.byteLength
    if (this.#streaming) {
      if (this.#size > HIGH_WATER) controller.pause()
      this.#notify()
    }
  }

  onResponseEnd(): void {
    this.#ended = true
    if (this.#streaming) this.#notify()
    else this.#answer(this.#take() ?? new Uint8Array(0))
  }

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error)
  }

  #fail(error: Error): void {
    this.#unwatch()
    const reject = this.#reject
    if (reject) {
      this.#resolve = this.#reject = undefined
      reject(error)
    } else {
      this.#failure = error
      this.#notify()
    }
  }

  /**
   * The next piece of a streamed answer: everything received since the last read. A reader of its
   * own, so a consumer that only reads needs no Web stream at all; not an async function, so a stream
   * waiting for its next chunk holds one promise, not a suspended call as well.
   */
  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const bytes = this.#take()
    if (bytes) {
      if (this.#controller?.paused) this.#controller.resume()
      return Promise.resolve({ done: false, value: bytes })
    }
    if (this.#failure) return Promise.reject(this.#failure)
    if (this.#ended) return Promise.resolve({ done: true, value: undefined })
    return new Promise<void>((wake) => (this.#wake = wake)).then(() => this.read())
  }

  // As the source of a Web stream, when one is asked for.
  pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    return this.read().then((r) => (r.done ? controller.close() : controller.enqueue(r.value)))
  }

  cancel(reason?: unknown): Promise<void> {
    if (!this.#ended && !this.#failure)
      this.#controller?.abort(reason instanceof Error ? reason : new Error('The client stopped reading the answer.'))
    return Promise.resolve()
  }

  #answer(body: AnswerHandler | Uint8Array): void {
    this.#unwatch()
    const resolve = this.#resolve
    this.#resolve = this.#reject = undefined
    resolve?.(new UndiciUpstreamResponse(this.#status, this.#headers, body))
    this.#headers = {}
  }

  /** Everything received and not yet handed over, as one piece. */
  #take(): Uint8Array | undefined {
    const chunks = this.#chunks
    if (!chunks.length) return undefined
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size)
    this.#chunks = []
    this.#size = 0
    return bytes
  }

  #notify(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  /** The answer has started (or failed): from here on the body carries failures, and cancelling it stops the upstream. */
  #unwatch(): void {
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort)
    this.#onAbort = undefined
    this.#signal = undefined
  }
}

const decoder = new TextDecoder()

/** The upstream's answer; Headers, and a Web stream for the body, are built only when asked for. */
class UndiciUpstreamResponse implements UpstreamResponse {
  readonly status: number
  #raw: IncomingHttpHeaders
  #headers?: Headers
  #source?: AnswerHandler
  #stream: ReadableStream<Uint8Array> | null = null
  #bytes?: Uint8Array

  constructor(status: number, headers: IncomingHttpHeaders, body: AnswerHandler | Uint8Array) {
    this.status = status
    this.#raw = headers
    if (body instanceof Uint8Array) this.#bytes = body
    else this.#source = body
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

  /** The body as a Web stream; a body read whole on arrival comes as a one-piece stream. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream) return this.#stream
    const source = this.#source
    const bytes = this.#bytes
    if (source) this.#stream = new ReadableStream(source, { highWaterMark: 0 })
    else if (bytes)
      this.#stream = new ReadableStream({
        start(controller) {
          if (bytes.byteLength) controller.enqueue(bytes)
          controller.close()
        },
      })
    this.#source = undefined
    return this.#stream
  }

  /** A streamed answer is read straight from the exchange, with no Web stream in between. */
  reader(): ByteReader | null {
    const source = this.#source
    if (!source) return this.body?.getReader() ?? null
    this.#source = undefined
    return source
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
    const body = this.body
    if (!body) return new Uint8Array(0)
    return new Uint8Array(await new Response(body).arrayBuffer())
  }
}
