import { GatewayError } from '../hub/errors'
import type { HubRequest } from '../hub/request'
import type { HubResponse } from '../hub/response'
import { readJson } from '../http/read-body'
import type { Protocol, RequestHints } from '../protocols/types'
import { planRoutes, type Route, type RoutePlan } from '../routing/resolve-model'
import type { BackendHealth } from '../state/ports'
import { openSession } from '../sessions/open-session'
import { runRequestInterceptors } from '../interceptors/run-request'
import { INTERCEPTORS } from '../interceptors'
import { gatewayReply } from './gateway-reply'
import type { Runtime } from './runtime'
import type { Exchange } from './attempt'
import { runAttempts } from './attempt-loop'
import { EarlyAnswer } from './early-answer'
import { admitClient } from './admit-client'
import { recordExchange, type ExchangeSummary } from './usage-recorder'
import type { ClientIdentity } from '../routes/types'
import type { RequestIds } from '../http/request-id'
import { modelInfo } from '../models/model-table'
import { startCapture } from '../capture/start-capture'
import type { ExchangeCapture } from '../capture/exchange-capture'

export { SSE_HEADERS } from './answer'

/** Front-end work around one exchange (OpenAI Responses keeps conversations). */
export interface ExchangeHooks {
  /** Runs once the back end is chosen (on every attempt); may rewrite the hub request. Returning passThrough: false forces translation. */
  before?(hub: HubRequest, body: Record<string, unknown>, route: Route): Promise<{ passThrough: boolean }>
  /**
   * Gets the finished response (also for streams, once they have ended); not called on failure. May
   * answer a warning, which a finished answer carries in `x-gateway-warnings` (a stream's is logged).
   */
  after?(hub: HubRequest, res: HubResponse, exchange: { route: Route; passThrough: boolean }): Promise<string | void>
}

/** One request as the app hands it over: the Web request, the runtime, and per-request services. */
export interface Call {
  req: Request
  rt: Runtime
  /** Work after the answer (ctx.waitUntil on Workers). */
  defer: (work: Promise<unknown>) => void
  /** Who asks: a name (never the key) and its limits. */
  client: ClientIdentity
  /** The exchange's ids (the app's middleware made them). */
  ids: RequestIds
}

export interface GenerateOptions {
  /** What the URL says (Gemini puts the model and streaming there). */
  hints?: RequestHints
  /** Re-frames the client-bound stream (Gemini's JSON-array streaming without alt=sse)… */
  reframe?: () => TransformStream<Uint8Array, Uint8Array>
  /** …and the content type that framing has. */
  reframedType?: string
  hooks?: ExchangeHooks
}

/**
 * One generation request, whatever the protocols: read the client's body, plan
 * the routes its model allows (one, or a failover chain), and run the attempt
 * loop over them (src/gateway/attempt-loop.ts). The answer that starts first
 * is passed through (same protocol) or translated, event by event when streaming.
 */
export async function generate(call: Call, front: Protocol, options: GenerateOptions = {}): Promise<Response> {
  const { req, rt } = call
  const started = Date.now()
  const { body, text } = await readJson(req, rt.settings.maxBodyBytes)
  const envelope = front.envelope(body, options.hints)
  // The client's limits are checked while the session is read, and the route the client's own model
  // takes is planned (and its first entry's health read) meanwhile: one state round trip's wait, not three.
  const admitting = admitClient(rt, call.client, undefined, text)
  if (admitting instanceof Promise) admitting.catch(() => {})
  const planned = planFor(envelope.model, rt)
  const session = await openSession(rt, front.id, req.headers, body, call.client.name, call.defer)
  // What the interceptors changed in the session is kept even when one of them refuses the request.
  // Whether the exchange is captured is known then (a `!/set(capture=on)` counts from its own exchange).
  let capture: ExchangeCapture | undefined
  const intercepted = await runRequestInterceptors(INTERCEPTORS, {
    rt,
    front,
    client: call.client,
    session,
    headers: req.headers,
    body,
    text,
    hints: options.hints,
    model: envelope.model,
  }).finally(() => {
    capture = startCapture(call, front.id, session, started, text, envelope.stream)
    return session.save()
  })
  if (intercepted.reply !== undefined) {
    await admitting
    return gatewayReply(front, intercepted.hub ?? front.decodeRequest(body, options.hints), intercepted, envelope, session.id, options)
  }
  const { plan, firstHealth } = intercepted.model === envelope.model ? await planned.then(unwrap) : await planFor(intercepted.model, rt).then(unwrap)
  const admitted = await admitting
  const x: Exchange = {
    req,
    url: new URL(req.url),
    front,
    rt,
    body,
    text,
    envelope,
    hints: options.hints,
    hooks: options.hooks,
    started,
    deadline: started + rt.settings.resilience.requestBudgetMs,
    exchange: { client: call.client, defer: call.defer, ids: call.ids, stream: envelope.stream, session: session.id, capture },
    admitted,
    tries: [],
    session,
    intercepted,
  }
  // A streaming client that must wait for a retry gets its answer begun, with keep-alive comments.
  // (Gemini's JSON-array streaming has no comments: it waits silently.)
  let early: EarlyAnswer | undefined
  let begun!: (r: Response) => void
  const begunEarly = new Promise<Response>((resolve) => (begun = resolve))
  const wait = async (ms: number, why: string) => {
    if (envelope.stream && !options.reframe) {
      if (!early) {
        early = new EarlyAnswer(front, req.signal)
        begun(early.response)
      }
      return early.wait(ms, why)
    }
    await new Promise((r) => setTimeout(r, ms))
  }
  const result = runAttempts(x, plan, options, { wait, defer: call.defer, client: call.client.name, firstHealth }).catch((err: unknown) => {
    // No answer began: the exchange is recorded with its error (CLIENT_CLOSED when the client left meanwhile).
    const e = err instanceof GatewayError ? err : undefined
    recordFailure(x, e?.status ?? 500)
    throw err
  })
  const first = await Promise.race([result, begunEarly])
  if (!early) return first
  result.then(
    (res) => early!.finish(res),
    (err: unknown) => early!.fail(err instanceof GatewayError ? err : new GatewayError('api_error', 'Internal gateway error.')),
  )
  return early.response
}

type Planned = { plan: RoutePlan; firstHealth: Promise<BackendHealth> } | { error: unknown }

/** The routes a model selector takes, and its first entry's health being read; a failure is kept to be thrown when it is the one used. */
function planFor(model: string, rt: Runtime): Promise<Planned> {
  return planRoutes(model, rt).then(
    (plan) => {
      const firstHealth = rt.state.health.read(plan.first.backend.id)
      firstHealth.catch(() => {})
      return { plan, firstHealth }
    },
    (error: unknown) => ({ error }),
  )
}

function unwrap(p: Planned): { plan: RoutePlan; firstHealth: Promise<BackendHealth> } {
  if ('error' in p) throw p.error
  return p
}

/** An exchange that ended before any answer began, for the usage ledger: the last entry tried. */
function recordFailure(x: Exchange, status: number): void {
  const last = x.tries[x.tries.length - 1]
  const label = last ? last.slice(0, last.lastIndexOf('=')) : ''
  const colon = label.indexOf(':')
  const backend = colon === -1 ? 'none' : label.slice(0, colon)
  const model = colon === -1 ? x.envelope.model : label.slice(colon + 1)
  const summary: ExchangeSummary = {
    startedAt: x.started,
    client: x.exchange.client,
    ids: x.exchange.ids,
    session: x.exchange.session,
    stream: x.exchange.stream,
    frontEnd: x.front.id,
    backend,
    model,
    attempts: x.tries.map((t) => t.slice(0, t.lastIndexOf('='))),
    status,
    totalMs: Date.now() - x.started,
    estimatedInputTokens: x.admitted,
    prices: colon === -1 ? undefined : modelInfo(x.rt.settings, backend, model).prices,
  }
  const cap = x.exchange.capture
  if (cap) {
    summary.captured = true
    cap.summarize(summary)
  }
  recordExchange(x.rt, x.exchange.defer, summary)
}
