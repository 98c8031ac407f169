import { ResponseAccumulator } from '../hub/accumulate'
import { CLIENT_CLOSED } from '../hub/errors'
import type { HubResponse } from '../hub/response'
import { responseToEvents } from '../hub/response-events'
import { headerValue } from '../http/header-value'
import { nestsDeeperThan } from '../http/json-depth'
import type { Protocol } from '../protocols/types'
import { redactedDecoder } from '../security/redact-stream'
import { sseFramer } from '../sse/parse'
import { downstreamHeaders } from '../upstream/headers'
import { carriesRequestId } from '../http/request-id'
import type { Committed, Exchange } from './attempt'
import type { GenerateOptions } from './generate'
import { guardBytes } from './guard-streams'
import { finished } from './observe-stream'
import { ExchangeTally } from './exchange-tally'
import { modelInfo } from '../models/model-table'
import { encodeEvents, translateStream } from './translate-stream'
import { decodeUpstream } from './upstream-body'
import { INTERCEPTORS } from '../interceptors'
import { watchAnswer, watchResponse, type AnswerPipe } from '../interceptors/watch-answer'
import { holdFrames } from '../interceptors/hold-frames'
import { declaresTools, asksForJson } from '../interceptors/request-shape'
import { switchOn } from '../interceptors/switch-value'
import type { AnswerTurn, Session } from '../interceptors/types'
import type { SwitchName } from '../config/interactive-settings'
import type { Runtime } from './runtime'
import type { ClientIdentity } from '../routes/types'
import type { HubRequest } from '../hub/request'
import { chain } from '../streams/stage'
import type { StreamEnd } from '../observe/gateway-metrics'

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
}

/**
 * The client's answer from an attempt that started well: passed through
 * (same protocol: the upstream's bytes, secrets removed) or translated, event
 * by event when streaming. `extra` headers (the route taken) go on it.
 */
export async function answer(x: Exchange, c: Committed, options: GenerateOptions, extra: Record<string, string>): Promise<Response> {
  const { front, rt } = x
  const { back, hub, passThrough, stream, upstream, route } = c
  const hooks = options.hooks
  const redactor = rt.redactor
  // Usage: recorded once the answer is whole (a stream at its end), never delaying it.
  const tally = new ExchangeTally(rt, x.exchange, {
    startedAt: x.started,
    frontEnd: front.id,
    backend: route.backend.id,
    model: route.model,
    estimatedInputTokens: x.admitted,
    attempts: x.tries.map((t) => t.slice(0, t.lastIndexOf('='))),
    prices: modelInfo(rt.settings, route.backend, route.model).prices,
  })
  const headers = downstreamHeaders(upstream.headers, passThrough, redactor)
  for (const k in extra) headers[k] = redactor.text(extra[k]!)
  headers['x-b2bua-session-id'] = x.session.id
  // x-request-id goes in now, with the rest (src/http/request-id.ts says why).
  const requestId = x.exchange.ids?.requestId
  if (requestId !== undefined) headers['x-request-id'] = requestId
  const reply = (body: BodyInit | null, init: ResponseInit) => {
    const res = new Response(body, init)
    return requestId === undefined ? res : carriesRequestId(res, requestId)
  }
  // The interceptors' watches over this answer (none: it goes as before, at no cost).
  const given = x.intercepted.warnings.length + c.warnings.length
  const noted: string[] = given ? [...x.intercepted.warnings, ...c.warnings] : []
  const pipe = watchAnswer(INTERCEPTORS, new Turn(x, c, noted), () => {
    x.session.save()
    if (stream && noted.length > given) rt.log.info(`${x.url.pathname}: ${redactor.text(noted.join('; '))}`)
  })
  const warnings = () => {
    if (noted.length) headers['x-gateway-warnings'] = headerValue(redactor.text(noted.join('; ')))
  }
  warnings()
  const after =
    hooks?.after && hub
      ? async (res: HubResponse) => {
          const note = await hooks.after!(hub, res, { route, passThrough })
          if (!note) return
          rt.log.info(`${x.url.pathname}: ${note}`)
          headers['x-gateway-warnings'] = headers['x-gateway-warnings'] ? `${headers['x-gateway-warnings']}; ${note}` : note
        }
      : undefined

  if (stream) {
    Object.assign(headers, SSE_HEADERS)
    if (options.reframedType) headers['content-type'] = options.reframedType
  }
  const reframe = (bytes: ReadableStream<Uint8Array>) => (options.reframe ? bytes.pipeThrough(options.reframe()) : bytes)

  if (passThrough) {
    if (c.reader) {
      const guarded = guardBytes(c.reader, {
        protocol: front.id,
        onError: front.encodeStreamError,
        idleMs: rt.settings.streamIdleTimeoutMs,
        redactor,
        rewrite: pipe && holdFrames(back.streamDecoder(), pipe, front.streamEncoder(requestOf(x, c))),
        ...tally.watchBytes(back, after, carriesUsage(front.id, x.body)),
        onClose: streamEnds(x, tally),
        signal: x.req.signal,
      })
      return reply(reframe(guarded), { status: upstream.status, headers })
    }
    headers['content-type'] = redactor.text(upstream.headers.get('content-type') ?? 'application/json')
    // Watched: decoded for the watches; re-encoded only when they changed it.
    const changed = pipe && !stream && c.json !== undefined ? watchJson(pipe, back, c.json) : undefined
    warnings()
    if (changed) {
      if (after) await after(changed)
      tally.end(upstream.status, changed.usage)
      return reply(redactor.text(JSON.stringify(front.encodeResponse(changed, requestOf(x, c)))), { status: upstream.status, headers })
    }
    // A finished (non-streaming) answer was read whole and checked to be JSON; it goes on as the same bytes (secrets removed).
    if (after && c.json !== undefined) await observeJson(c.json, back, after)
    tally.json(back, c.json, upstream.status)
    return reply(redactor.bytes(c.bytes!), { status: upstream.status, headers })
  }

  if (stream) {
    const encode = front.streamEncoder(hub!)
    if (!c.reader) {
      let res = decodeUpstream(back, c.json)
      if (pipe) res = watchResponse(pipe, res) ?? res
      if (after) await after(res)
      tally.end(200, res.usage)
      return reply(reframe(encodeEvents(responseToEvents(res), encode, redactor)), { headers })
    }
    const acc = after ? new ResponseAccumulator() : undefined
    const bytes = translateStream(c.reader, {
      decode: pipe ? chain(redactedDecoder(redactor, sseFramer(), back.streamDecoder()), pipe) : redactedDecoder(redactor, sseFramer(), back.streamDecoder()),
      abandon: pipe?.cutShort,
      encode,
      redactor,
      observe: tally.observe(acc),
      onEnd: tally.onEnd(acc && (() => finished(acc, after!))),
      idleMs: rt.settings.streamIdleTimeoutMs,
      onClose: streamEnds(x, tally),
      signal: x.req.signal,
    })
    return reply(reframe(bytes), { headers })
  }

  let decoded = decodeUpstream(back, c.json)
  if (pipe) {
    decoded = watchResponse(pipe, decoded) ?? decoded
    warnings()
  }
  if (after) await after(decoded)
  tally.end(200, decoded.usage)
  headers['content-type'] = 'application/json'
  return reply(redactor.text(JSON.stringify(front.encodeResponse(decoded, hub!))), { headers })
}

/**
 * A streamed answer begins (the open-streams gauge): how it ends, once, for the metrics. A client that
 * leaves mid-stream ends the exchange here, the one place every front end's stream goes through: it is
 * recorded then (ExchangeTally.abandoned), since the stream's own end will never come.
 */
function streamEnds(x: Exchange, tally: ExchangeTally): (how: StreamEnd) => void {
  const ended = x.rt.metrics.streamBegan()
  return (how) => {
    ended(how)
    if (how !== 'client_gone') return
    tally.abandoned()
    // (LOG_FORMAT=json has the exchange's own line, with status 499; text says it here.)
    if (!x.rt.log.json) x.rt.log.info(`${x.url.pathname}: the client left mid-stream after ${Date.now() - x.started}ms (recorded as status ${CLIENT_CLOSED})`)
  }
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

/** OpenAI Chat streams carry usage only when the client asked for it (`stream_options.include_usage`). */
function carriesUsage(front: Protocol['id'], body: Record<string, unknown>): boolean {
  if (front !== 'openai-chat') return true
  const options = body.stream_options
  return typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true
}

/** The request as this attempt sent it, decoded once when a watch or an encoder needs it. */
function requestOf(x: Exchange, c: Committed): HubRequest {
  return (c.hub ??= x.intercepted.hub ?? x.front.decodeRequest(x.body, x.hints))
}

/** What the answer watches see of the exchange; built for every answer, so nothing is computed until asked. */
class Turn implements AnswerTurn {
  readonly rt: Runtime
  readonly front: Protocol
  readonly client: ClientIdentity
  readonly session: Session
  readonly stream: boolean
  constructor(
    private readonly x: Exchange,
    private readonly c: Committed,
    private readonly warnings: string[],
  ) {
    this.rt = x.rt
    this.front = x.front
    this.client = x.exchange.client
    this.session = x.session
    this.stream = c.stream
  }
  get request(): HubRequest {
    return requestOf(this.x, this.c)
  }
  get declaresTools(): boolean {
    return declaresTools(this.front.id, this.x.body)
  }
  get wantsJson(): boolean {
    return asksForJson(this.front.id, this.x.body)
  }
  get route(): string {
    return `${this.c.route.backend.id}:${this.c.route.model}`
  }
  on(name: SwitchName): boolean {
    return switchOn(this.rt.settings, this.session.data, name)
  }
  warn(message: string): void {
    this.warnings.push(message)
  }
}

/** A passed-through JSON answer through the watches: the changed answer, or undefined (unchanged, or not decodable). */
function watchJson(pipe: AnswerPipe, back: Protocol, body: unknown): HubResponse | undefined {
  let res: HubResponse
  try {
    if (nestsDeeperThan(body)) return undefined
    res = back.decodeResponse(body)
  } catch {
    return undefined
  }
  return watchResponse(pipe, res)
}
