import { ResponseAccumulator } from '../hub/accumulate'
import { checkToolHistory } from '../hub/check-tool-history'
import type { HubRequest } from '../hub/request'
import type { HubResponse } from '../hub/response'
import { responseToEvents } from '../hub/response-events'
import { headerValue } from '../http/header-value'
import { nestsDeeperThan } from '../http/json-depth'
import { readJson } from '../http/read-body'
import { logValue } from '../log'
import { PROTOCOLS } from '../protocols'
import type { Protocol, RequestHints } from '../protocols/types'
import { routeRequest, type Route } from '../routing/resolve-model'
import { redactedDecoder } from '../security/redact-stream'
import { sseFramer } from '../sse/parse'
import { callUpstream } from '../upstream/call-upstream'
import { bodyReader } from '../upstream/transport'
import { downstreamHeaders, upstreamHeaders } from '../upstream/headers'
import { withClientQuery } from '../upstream/url-parts'
import { guardBytes } from './guard-streams'
import { encodeEvents, translateStream } from './translate-stream'
import type { Runtime } from './runtime'
import { finished } from './observe-stream'
import { admitClient } from './admit-client'
import { ExchangeTally, type ExchangeContext } from './exchange-tally'
import { UNIDENTIFIED } from '../http/identify-client'
import { decodeUpstream, readPassThroughBody, readUpstreamJson, upstreamError } from './upstream-body'
import { shownUrl } from './whose-fault'

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}

/** Front-end work around one exchange (OpenAI Responses keeps conversations). */
export interface ExchangeHooks {
  /** Runs once the back end is chosen; may rewrite the hub request. Returning passThrough: false forces translation. */
  before?(hub: HubRequest, body: Record<string, unknown>, route: Route): Promise<{ passThrough: boolean }>
  /**
   * Gets the finished response (also for streams, once they have ended); not called on failure. May
   * answer a warning, which a finished answer carries in `x-gateway-warnings` (a stream's is logged).
   */
  after?(hub: HubRequest, res: HubResponse, exchange: { route: Route; passThrough: boolean }): Promise<string | void>
}

export interface GenerateOptions {
  /** What the URL says (Gemini puts the model and streaming there). */
  hints?: RequestHints
  /** Re-frames the client-bound stream (Gemini's JSON-array streaming without alt=sse)… */
  reframe?: () => TransformStream<Uint8Array, Uint8Array>
  /** …and the content type that framing has. */
  reframedType?: string
  hooks?: ExchangeHooks
  /** Who asks and how to run work after the answer (a route passes `c.var`): client limits and usage. */
  exchange?: ExchangeContext
}

/**
 * One generation request, whatever the protocols: decode the client's body to
 * the hub, pick the back end, and either pass the body through (same protocol:
 * nothing is lost) or translate it, then translate the answer back — event by
 * event when streaming.
 */
export async function generate(req: Request, front: Protocol, rt: Runtime, options: GenerateOptions = {}): Promise<Response> {
  const started = Date.now()
  const url = new URL(req.url)
  const { body, text } = await readJson(req, rt.settings.maxBodyBytes)
  const envelope = front.envelope(body, options.hints)
  const hooks = options.hooks
  const route = await routeRequest(envelope.model, rt)
  const back = PROTOCOLS[route.backend.protocol]
  // Selector parameters (`?temperature=0.2`) change the request, so it is re-encoded rather than passed through.
  const sameProtocol = back.id === front.id && !route.overrides
  // Translating, or a front end that works on the conversation (Responses state): decode and validate in full.
  // A pass-through body is checked as far as routing needs; its own upstream validates the rest.
  const hub = !sameProtocol || hooks ? front.decodeRequest(body, options.hints) : undefined
  const admitted = await admitClient(rt, options.exchange?.client ?? UNIDENTIFIED, hub, text) // i10-clients: client limits (429 before anything goes upstream)
  const allowed = hooks?.before && hub ? await hooks.before(hub, body, route) : { passThrough: true }
  if (route.overrides && hub) Object.assign(hub, route.overrides)
  const passThrough = sameProtocol && allowed.passThrough
  const stream = hub?.stream ?? envelope.stream

  const warnings: string[] = []
  let upstreamBody: string
  const ctx = { model: route.model, quirks: route.backend.quirks, warn: (m: string) => warnings.push(m) }
  if (passThrough) {
    // Nothing the hub does not model is lost; and a body that goes on unchanged is not serialised again.
    const sameModel = body.model === route.model || body.model === undefined
    const renamed = sameModel ? body : { ...body, model: route.model }
    const adapted = back.adaptPassThrough?.(renamed, ctx)
    upstreamBody = adapted ? JSON.stringify(adapted) : sameModel ? text : JSON.stringify(renamed)
  } else {
    checkToolHistory(hub!)
    upstreamBody = JSON.stringify(back.encodeRequest(hub!, ctx))
  }

  const path = upstreamPath(route, back, stream)
  const upstreamUrl = route.backend.baseUrl + (passThrough ? withClientQuery(path, url) : path)
  if (rt.log.debugging) rt.log.debug(`upstream: POST ${shownUrl(upstreamUrl)} (${passThrough ? 'pass-through' : 'translated'})`)
  const upstream = await callUpstream({
    url: upstreamUrl,
    headers: upstreamHeaders({
      backend: route.backend,
      client: req.headers,
      passThrough,
      anthropicVersion: rt.settings.anthropicVersion,
      clientSpeaksAnthropic: front.id === 'anthropic',
    }),
    body: upstreamBody,
    transport: rt.transport,
    timeoutMs: rt.settings.upstreamTimeoutMs,
    clientSignal: req.signal,
  })

  rt.log.info(
    `${req.method} ${logValue(url.pathname)} ${front.id}→${route.backend.id}(${back.id}) model=${logValue(route.model)} ` +
      `upstream=${upstream.status} ${stream ? 'stream ' : ''}${Date.now() - started}ms`,
  )
  const tally = new ExchangeTally(rt, options.exchange, { startedAt: started, frontEnd: front.id, backend: route.backend.id, model: route.model, estimatedInputTokens: admitted }) // i10-clients: usage
  // The gateway's secrets never reach the client: upstream errors, headers, bodies and streams go through it.
  const redactor = rt.redactor
  if (!upstream.ok)
    throw tally.failed(await upstreamError(upstream, back.decodeError, { backend: route.backend, method: 'POST', url: upstreamUrl }, redactor)) // i10-clients: usage

  const headers = downstreamHeaders(upstream.headers, passThrough, redactor)
  if (warnings.length) headers['x-gateway-warnings'] = headerValue(redactor.text(warnings.join('; ')))
  const upstreamIsSse = (upstream.headers.get('content-type') ?? '').includes('text/event-stream')
  const after =
    hooks?.after && hub
      ? async (res: HubResponse) => {
          const note = await hooks.after!(hub, res, { route, passThrough })
          if (!note) return
          rt.log.info(`${url.pathname}: ${note}`)
          headers['x-gateway-warnings'] = headers['x-gateway-warnings'] ? `${headers['x-gateway-warnings']}; ${note}` : note
        }
      : undefined

  if (stream) {
    Object.assign(headers, SSE_HEADERS)
    if (options.reframedType) headers['content-type'] = options.reframedType
  }
  const reframe = (bytes: ReadableStream<Uint8Array>) => (options.reframe ? bytes.pipeThrough(options.reframe()) : bytes)

  if (passThrough) {
    const reader = upstreamIsSse ? bodyReader(upstream) : null
    if (reader) {
      const guarded = guardBytes(reader, {
        protocol: front.id,
        onError: front.encodeStreamError,
        idleMs: rt.settings.streamIdleTimeoutMs,
        redactor,
        ...tally.watchBytes(back, after), // i10-clients: usage (and the after hook's observer)
      })
      return new Response(reframe(guarded), { status: upstream.status, headers })
    }
    headers['content-type'] = redactor.text(upstream.headers.get('content-type') ?? 'application/json')
    // A finished (non-streaming) answer is read whole, checked to be JSON, and sent on as the same bytes (secrets removed).
    const { bytes, json } = await readPassThroughBody(upstream, stream, rt.settings.streamIdleTimeoutMs)
    tally.json(back, json, upstream.status) // i10-clients: usage
    if (after && json !== undefined) await observeJson(json, back, after)
    return new Response(redactor.bytes(bytes), { status: upstream.status, headers })
  }

  if (stream) {
    const encode = front.streamEncoder(hub!)
    const reader = upstreamIsSse ? bodyReader(upstream) : null
    if (!reader) {
      const res = decodeUpstream(back, await readUpstreamJson(upstream, rt.settings.streamIdleTimeoutMs))
      if (after) await after(res)
      tally.end(200, res.usage) // i10-clients: usage
      return new Response(reframe(encodeEvents(responseToEvents(res), encode, redactor)), { headers })
    }
    const acc = after ? new ResponseAccumulator() : undefined
    const bytes = translateStream(reader, {
      decode: redactedDecoder(redactor, sseFramer(), back.streamDecoder()),
      encode,
      redactor,
      observe: tally.observe(acc), // i10-clients: usage
      onEnd: tally.onEnd(acc && (() => finished(acc, after!))), // i10-clients: usage
      idleMs: rt.settings.streamIdleTimeoutMs,
    })
    return new Response(reframe(bytes), { headers })
  }

  const decoded = decodeUpstream(back, await readUpstreamJson(upstream, rt.settings.streamIdleTimeoutMs))
  if (after) await after(decoded)
  tally.end(200, decoded.usage) // i10-clients: usage
  headers['content-type'] = 'application/json'
  return new Response(redactor.text(JSON.stringify(front.encodeResponse(decoded, hub!))), { headers })
}

/** The provider's own path when it has one (Azure deployments), else the protocol's. */
function upstreamPath(route: Route, back: Protocol, stream: boolean): string {
  const template = route.backend.pathTemplate
  return template ? template.replace('{model}', () => encodeURIComponent(route.model)) : back.upstreamPath(route.model, stream)
}

/** A passed-through answer, decoded for the exchange's `after` hook; one that does not decode (or nests absurdly deep) goes on unkept. */
async function observeJson(body: unknown, back: Protocol, after: (res: HubResponse) => Promise<void>): Promise<void> {
  let res: HubResponse
  try {
    if (nestsDeeperThan(body)) return
    res = back.decodeResponse(body)
  } catch {
    return
  }
  await after(res)
}
