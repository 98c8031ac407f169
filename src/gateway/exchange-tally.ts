import { ResponseAccumulator } from '../hub/accumulate'
import { CLIENT_CLOSED, type GatewayError } from '../hub/errors'
import type { HubResponse, Usage } from '../hub/response'
import type { HubStreamEvent } from '../hub/stream'
import { nestsDeeperThan } from '../http/json-depth'
import type { Protocol, ProtocolId } from '../protocols/types'
import type { ClientIdentity } from '../routes/types'
import type { RequestIds } from '../http/request-id'
import { sseFramer, type SseEvent } from '../sse/parse'
import { chain, type Stage } from '../streams/stage'

const USAGE_FRAMES: Stage<SseEvent, SseEvent> = { transform: (e, out) => void (e.data.includes('sage') && out.enqueue(e)) }
import { finished } from './observe-stream'
import type { Runtime } from './runtime'
import type { ModelPrices } from '../models/model-table'
import { recordExchange, type Defer, type ExchangeSummary } from './usage-recorder'
import type { ExchangeCapture } from '../capture/exchange-capture'

/** What a route hands `generate` about the request: who asks, and how to run work after the answer. */
export interface ExchangeContext {
  client: ClientIdentity
  defer: Defer
  ids: RequestIds
  /** The client asked for a stream. */
  stream: boolean
  /** The gateway's session id. */
  session?: string
  /** The exchange's wire capture, when it is captured (src/capture/). */
  capture?: ExchangeCapture
}

interface TallyStart {
  startedAt: number
  frontEnd: ProtocolId
  backend: string
  model: string
  /** What admission counted (admitClient's answer). */
  estimatedInputTokens: number
  /** `backend:model` of each attempt, in order. */
  attempts: string[]
  prices?: ModelPrices
}

/**
 * One exchange's usage, gathered where `generate` ends it (the upstream's error, a finished JSON
 * answer, a stream's end or break) and recorded once (recordExchange). Made when the upstream has
 * answered: that moment is the time to first byte. Without an ExchangeContext (a caller that is
 * not a route) it records nothing and watches nothing.
 */
export class ExchangeTally {
  private readonly ttfbMs: number
  private done = false
  private usage?: Usage
  private status = 200

  constructor(
    private readonly rt: Runtime,
    private readonly ctx: ExchangeContext | undefined,
    private readonly start: TallyStart,
  ) {
    this.ttfbMs = Date.now() - start.startedAt
  }

  /** Records the exchange (once). */
  end(status = this.status, usage: Usage | undefined = this.usage): void {
    if (this.done || !this.ctx) return
    this.done = true
    const s = this.start
    const summary: ExchangeSummary = {
      startedAt: s.startedAt,
      client: this.ctx.client,
      ids: this.ctx.ids,
      session: this.ctx.session,
      stream: this.ctx.stream,
      frontEnd: s.frontEnd,
      backend: s.backend,
      model: s.model,
      attempts: s.attempts,
      prices: s.prices,
      status,
      usage,
      ttfbMs: this.ttfbMs,
      totalMs: Date.now() - s.startedAt,
      estimatedInputTokens: s.estimatedInputTokens,
    }
    const cap = this.ctx.capture
    if (cap) {
      summary.captured = true
      cap.summarize(summary)
    }
    recordExchange(this.rt, this.ctx.defer, summary)
  }

  /**
   * The client gave up on the streamed answer (closed the connection, cancelled the body): recorded
   * with CLIENT_CLOSED and the usage the upstream had reported until then (Anthropic's message_start
   * carries the input tokens, Gemini's chunks running totals; OpenAI and Responses streams report
   * theirs only at the end, so such an exchange has none). The stream's own cancel (the stream
   * guards' `client_gone`) calls it, which also lets the upstream go.
   */
  abandoned(): void {
    this.end(CLIENT_CLOSED)
  }

  /** The upstream refused: recorded with its status, and the error goes on. */
  failed<E extends GatewayError>(err: E): E {
    this.end(err.status, undefined)
    return err
  }

  /** A passed-through JSON answer: its usage decoded (an answer that does not decode is recorded without). */
  json(back: Protocol, body: unknown, status: number): void {
    if (!this.ctx) return
    let usage: Usage | undefined
    try {
      if (body !== undefined && !nestsDeeperThan(body)) usage = back.decodeResponse(body).usage
    } catch {
      // not the protocol's shape: no usage
    }
    this.end(status, usage)
  }

  /** Sees one hub event: keeps the latest usage totals and a mid-stream error's status. */
  readonly see = (e: HubStreamEvent): void => {
    if (e.type === 'usage') this.usage = e.usage
    else if ((e.type === 'finish' || e.type === 'start') && e.usage) this.usage = e.usage
    else if (e.type === 'error') this.status = e.error.status
  }

  /** A translated stream's `observe`: this tally's and the accumulator's (when the exchange has an `after` hook). */
  observe(acc: ResponseAccumulator | undefined): ((e: HubStreamEvent) => void) | undefined {
    if (!this.ctx) return acc && ((e) => acc.add(e))
    return acc
      ? (e) => {
          acc.add(e)
          this.see(e)
        }
      : this.see
  }

  /** A translated stream's `onEnd`: the `after` hook's work, then the record. */
  onEnd(inner: (() => Promise<void>) | undefined): (() => Promise<void>) | undefined {
    if (!this.ctx) return inner
    return async () => {
      try {
        if (inner) await inner()
      } finally {
        this.end()
      }
    }
  }

  /**
   * A passed-through stream's guard options: each chunk is also framed and decoded (for the usage,
   * and for the `after` hook's accumulator when there is one), in step with the client's copy.
   * Without a context and without `after`, nothing is decoded.
   */
  watchBytes(back: Protocol, after: ((res: HubResponse) => Promise<void>) | undefined, carriesUsage = true) {
    if (!this.ctx && !after) return {}
    // A stream that cannot carry usage (OpenAI Chat without include_usage) is recorded without decoding it.
    if (!after && !carriesUsage) return { onEnd: async () => this.end(), onFail: (err: GatewayError) => this.end(err.status) }
    const acc = after ? new ResponseAccumulator() : undefined
    // For usage alone, only the frames that mention it are decoded (OpenAI's last chunk, Anthropic's
    // message_start and message_delta, Gemini's usageMetadata, Responses' completed event).
    const frames = acc ? sseFramer() : chain(sseFramer(), USAGE_FRAMES)
    const decode = chain(frames, back.streamDecoder())
    // The decoder of a filtered stream may think it ended early: only the guard (onFail) says a stream broke.
    const sink = { enqueue: acc ? (e: HubStreamEvent) => (acc.add(e), this.see(e)) : (e: HubStreamEvent) => void (e.type !== 'error' && this.see(e)) }
    let broken = false
    return {
      observe: (chunk: Uint8Array) => {
        if (broken) return
        try {
          decode.transform(chunk, sink)
        } catch {
          broken = true
        }
      },
      onEnd: async () => {
        try {
          if (!broken) {
            decode.flush?.(sink)
            if (acc) await finished(acc, after!)
          }
        } catch {
          // the hook's failure is its own; the exchange is still recorded
        } finally {
          this.end()
        }
      },
      onFail: (err: GatewayError) => this.end(err.status),
    }
  }
}
