import type { ExchangeSummary } from '../gateway/usage-recorder'
import { logValue, type Logger } from '../log'
import type { Redactor } from '../security/redactor'
import { bodyReader, type ByteReader, type UpstreamResponse } from '../upstream/transport'
import { encodeRecords } from './codec'
import type { CaptureLeg } from './format'
import { headerMap, sealRecords, type DraftRecord } from './scrub'
import type { CaptureSink } from './sink'

/** What a record costs beyond its bytes, for CAPTURE_MAX_EXCHANGE_BYTES (its object, meta and timestamps). */
const RECORD_OVERHEAD = 64
/** How long a finished client answer waits for the upstream's last bytes (a drain after the finish) before the capture is written anyway. */
const GRACE_MS = 5000

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** One byte flow of the exchange (an upstream answer of one attempt, or the client's answer): its chunks are scrubbed as one stream. */
interface Flow {
  id: number
  leg: CaptureLeg
  attempt?: number
  open: boolean
  droppedChunks: number
  droppedBytes: number
}

export interface CaptureStart {
  id: string
  requestId: string
  /** ms since epoch when the exchange started. */
  started: number
  session: string
  client: string
  frontEnd: string
  stream: boolean
  req: Request
  /** The client's body as it came (text). */
  body: string
  maxBytes: number
  sink: CaptureSink
  log: Logger
  /** The runtime's redactor, read when the exchange is sealed (it follows the registry). */
  redactor: () => Redactor
}

/** What an upstream call looked like (attempt.ts's call before it goes). */
export interface UpstreamCallRecord {
  url: string
  headers: Headers
  body: string
}

/**
 * One exchange's capture (src/capture/format.ts): the client's request, each upstream request and
 * its answer (every chunk as it arrived), what the client got, and a summary, with timestamps, in
 * the order they happened. Records hold references to the bytes that crossed (no copies); bodies
 * and chunks past `maxBytes` (CAPTURE_MAX_EXCHANGE_BYTES) are counted, not kept. Nothing is encoded
 * or written until the exchange is over: then, off the answer's path, secrets are removed
 * (sealRecords), the records encoded and handed to the sink; `written` settles then (a failure is
 * logged, never thrown). Made only for an exchange that is captured: the hot path of one that is
 * not allocates and wraps nothing.
 */
export class ExchangeCapture {
  private readonly records: DraftRecord[] = []
  private readonly flows: Flow[] = []
  private size = 0
  private truncated = false
  private attempts = 0
  private openUpstream = 0
  private clientDone = false
  private done = false
  private grace: ReturnType<typeof setTimeout> | undefined
  private summary?: ExchangeSummary
  private clientStatus?: number
  private settle!: () => void
  /** Settles once the exchange is written (or its write failed and was logged). */
  readonly written: Promise<void>

  constructor(private readonly o: CaptureStart) {
    this.written = new Promise<void>((resolve) => (this.settle = resolve))
    const url = new URL(o.req.url)
    this.add('client-request', 'head', { method: o.req.method, path: url.pathname + url.search, headers: headerMap(o.req.headers) }, undefined, undefined, o.started)
    this.add('client-request', 'body', {}, encoder.encode(o.body), undefined, o.started)
    // A client that goes away before its answer is read still leaves a capture.
    const signal = o.req.signal
    if (signal && !signal.aborted) signal.addEventListener('abort', () => this.clientGone(), { once: true })
  }

  get id(): string {
    return this.o.id
  }

  /** An upstream call about to go: its number (1, 2, …), which its answer's records carry. */
  upstreamRequest(call: UpstreamCallRecord, route: { backend: { id: string }; model: string }, keyHint: string, passThrough: boolean): number {
    const attempt = ++this.attempts
    const meta: Record<string, unknown> = {
      attempt,
      method: 'POST',
      url: call.url,
      headers: headerMap(call.headers),
      route: `${route.backend.id}:${route.model}`,
      backend: route.backend.id,
      model: route.model,
      passThrough,
    }
    if (keyHint) meta.key = keyHint
    this.add('upstream-request', 'head', meta)
    this.add('upstream-request', 'body', {}, encoder.encode(call.body))
    return attempt
  }

  /** The call failed before any answer (a connection failure, a timeout). */
  upstreamFailed(attempt: number, err: unknown): void {
    this.add('upstream-response', 'error', { attempt, message: messageOf(err) })
  }

  /** The upstream's answer, its body teed into the capture as it is read (chunks, or one body). */
  upstreamResponse(attempt: number, res: UpstreamResponse): UpstreamResponse {
    if (this.done) return res
    this.add('upstream-response', 'head', { attempt, status: res.status, headers: headerMap(res.headers) })
    const flow = this.flow('upstream-response', attempt)
    this.openUpstream++
    return new TeedUpstream(res, this, flow)
  }

  /** What the client gets: the same status, headers and body, each chunk recorded as it goes. */
  clientResponse(res: Response): Response {
    if (this.done || res.bodyUsed || res.body?.locked) return res
    this.clientStatus = res.status
    this.add('client-response', 'head', { status: res.status, headers: headerMap(res.headers) })
    const flow = this.flow('client-response')
    if (!res.body) {
      this.flowEnd(flow)
      return res
    }
    const reader = res.body.getReader()
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) =>
        reader.read().then(
          ({ done, value }) => {
            if (done) {
              controller.close()
              this.flowEnd(flow)
            } else {
              this.chunk(flow, value)
              controller.enqueue(value)
            }
          },
          (err: unknown) => {
            this.flowError(flow, err)
            controller.error(err)
          },
        ),
      cancel: (reason) => {
        this.flowError(flow, 'the client went away', true)
        return reader.cancel(reason)
      },
    })
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
  }

  /** The exchange's usage record (ExchangeTally, or a failure before any answer): its summary. */
  summarize(s: ExchangeSummary): void {
    this.summary = s
  }

  // --- records -------------------------------------------------------------------------------

  private add(leg: CaptureLeg, kind: DraftRecord['kind'], meta: Record<string, unknown>, data?: Uint8Array, flow?: Flow, ts = Date.now()): void {
    if (this.done) return
    let kept = data
    if (data && this.size + RECORD_OVERHEAD + data.length > this.o.maxBytes) {
      const room = Math.max(0, this.o.maxBytes - this.size - RECORD_OVERHEAD)
      kept = data.subarray(0, room)
      meta.truncated = true
      meta.bytes = data.length
      this.truncated = true
    }
    this.size += RECORD_OVERHEAD + (kept?.length ?? 0)
    const r: DraftRecord = { exchange: this.o.id, seq: this.records.length, ts, leg, kind, meta }
    if (kept) r.data = kept
    if (flow) r.flow = flow.id
    this.records.push(r)
  }

  private flow(leg: CaptureLeg, attempt?: number): Flow {
    const f: Flow = { id: this.flows.length, leg, attempt, open: true, droppedChunks: 0, droppedBytes: 0 }
    this.flows.push(f)
    return f
  }

  /** One chunk as it arrived; past the exchange's bound it is only counted. */
  chunk(flow: Flow, value: Uint8Array): void {
    if (this.done || !flow.open) return
    if (this.size + RECORD_OVERHEAD >= this.o.maxBytes) {
      flow.droppedChunks++
      flow.droppedBytes += value.length
      this.truncated = true
      return
    }
    this.add(flow.leg, 'chunk', flow.attempt === undefined ? {} : { attempt: flow.attempt }, value, flow)
  }

  /** A whole body (an answer read at once). */
  body(flow: Flow, value: Uint8Array): void {
    if (!flow.open) return
    this.add(flow.leg, 'body', flow.attempt === undefined ? {} : { attempt: flow.attempt }, value)
  }

  flowEnd(flow: Flow, meta: Record<string, unknown> = {}): void {
    if (!flow.open) return
    this.add(flow.leg, 'end', this.closing(flow, meta), undefined, flow)
    this.closed(flow)
  }

  flowError(flow: Flow, err: unknown, clientGone = false): void {
    if (!flow.open) return
    const meta = this.closing(flow, { message: messageOf(err) })
    if (clientGone) meta.cancelled = true
    this.add(flow.leg, 'error', meta, undefined, flow)
    this.closed(flow)
  }

  private closing(flow: Flow, meta: Record<string, unknown>): Record<string, unknown> {
    if (flow.attempt !== undefined) meta.attempt = flow.attempt
    if (flow.droppedChunks) meta.dropped = { chunks: flow.droppedChunks, bytes: flow.droppedBytes }
    return meta
  }

  private closed(flow: Flow): void {
    flow.open = false
    if (flow.leg === 'client-response') this.clientDone = true
    else this.openUpstream--
    this.maybeFinish()
  }

  /** The client went away before its answer ended (or began). */
  private clientGone(): void {
    if (this.clientDone || this.done) return
    const flow = this.flows.find((f) => f.leg === 'client-response')
    if (flow) return this.flowError(flow, 'the client went away', true)
    this.add('client-response', 'error', { message: 'the client went away before its answer began', cancelled: true })
    this.clientDone = true
    this.maybeFinish()
  }

  /** Over once the client's answer has ended and every upstream answer read out (or after a grace period). */
  private maybeFinish(): void {
    if (!this.clientDone || this.done) return
    if (this.openUpstream <= 0) {
      clearTimeout(this.grace)
      // After the answer's last bytes have gone: the sealing and encoding never hold them up.
      setTimeout(() => this.finish(), 0)
    } else this.grace ??= setTimeout(() => this.finish(), GRACE_MS)
  }

  private finish(): void {
    if (this.done) return
    this.add('exchange', 'summary', this.summaryMeta())
    this.done = true
    clearTimeout(this.grace)
    this.write().then(this.settle)
  }

  private summaryMeta(): Record<string, unknown> {
    const o = this.o
    const s = this.summary
    const meta: Record<string, unknown> = {
      requestId: o.requestId,
      startedAt: o.started,
      session: o.session,
      client: o.client,
      frontEnd: o.frontEnd,
      stream: o.stream,
      attempts: s?.attempts ?? [],
      status: s?.status ?? this.clientStatus ?? 0,
      totalMs: s?.totalMs ?? Date.now() - o.started,
    }
    if (s) {
      meta.backend = s.backend
      meta.model = s.model
      if (s.ttfbMs !== undefined) meta.ttfbMs = s.ttfbMs
      if (s.usage) {
        const u = s.usage
        const usage: Record<string, number> = { inputTokens: u.inputTokens, outputTokens: u.outputTokens }
        if (u.cacheReadTokens !== undefined) usage.cachedInputTokens = u.cacheReadTokens
        if (u.reasoningTokens !== undefined) usage.reasoningTokens = u.reasoningTokens
        meta.usage = usage
      }
    } else meta.backend = 'gateway'
    if (this.truncated) meta.truncated = true
    return meta
  }

  private async write(): Promise<void> {
    const o = this.o
    try {
      const bytes = encodeRecords(sealRecords(this.records, o.redactor()))
      this.records.length = 0
      await o.sink.write({ id: o.id, at: o.started, session: o.session, bytes })
    } catch (err) {
      o.log.error(`capture: could not write exchange ${o.id} (${logValue(messageOf(err))})`)
    }
  }
}

function messageOf(err: unknown): string {
  if (typeof err === 'string') return err
  if (err instanceof Error) return err.message
  return String(err)
}

/**
 * An upstream answer whose body is teed into the capture as the gateway reads it: each read of its
 * reader is a `chunk` (the same bytes, not a copy), a whole-body read one `body`; then `end`, or
 * `error` when reading fails or the gateway lets the upstream go.
 */
class TeedUpstream implements UpstreamResponse {
  private teed?: ByteReader | null
  private stream?: ReadableStream<Uint8Array> | null

  constructor(
    private readonly inner: UpstreamResponse,
    private readonly cap: ExchangeCapture,
    private readonly flow: Flow,
  ) {}

  get status() {
    return this.inner.status
  }
  get ok() {
    return this.inner.ok
  }
  get headers() {
    return this.inner.headers
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.stream !== undefined) return this.stream
    const reader = this.reader()
    this.stream = reader
      ? new ReadableStream<Uint8Array>({
          pull: (c) => reader.read().then(({ done, value }) => (done ? c.close() : c.enqueue(value))),
          cancel: (reason) => reader.cancel(reason),
        })
      : null
    return this.stream
  }

  reader(): ByteReader | null {
    if (this.teed !== undefined) return this.teed
    const inner = bodyReader(this.inner)
    const { cap, flow } = this
    if (!inner) {
      cap.flowEnd(flow)
      return (this.teed = null)
    }
    const seen = (r: ReadableStreamReadResult<Uint8Array>) => {
      if (r.done) cap.flowEnd(flow)
      else cap.chunk(flow, r.value)
      return r
    }
    const failed = (err: unknown): never => {
      cap.flowError(flow, err)
      throw err
    }
    return (this.teed = {
      read: () => inner.read().then(seen, failed),
      cancel: (reason) => {
        cap.flowEnd(flow, { cancelled: true })
        return inner.cancel(reason)
      },
    })
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    try {
      const buffer = await this.inner.arrayBuffer()
      this.cap.body(this.flow, new Uint8Array(buffer))
      this.cap.flowEnd(this.flow)
      return buffer
    } catch (err) {
      this.cap.flowError(this.flow, err)
      throw err
    }
  }

  async text(): Promise<string> {
    return decoder.decode(await this.arrayBuffer())
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }
}
