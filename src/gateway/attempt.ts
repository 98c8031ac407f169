import { checkToolHistory } from '../hub/check-tool-history'
import { CLIENT_CLOSED, GatewayError } from '../hub/errors'
import type { HubRequest } from '../hub/request'
import { logValue } from '../log'
import { PROTOCOLS } from '../protocols'
import type { Protocol, RequestHints } from '../protocols/types'
import { failureKind, retryAfterMs } from '../resilience/failure-kind'
import type { Route } from '../routing/resolve-model'
import type { FailureKind } from '../state/ports'
import { callUpstream } from '../upstream/call-upstream'
import { upstreamHeaders } from '../upstream/headers'
import { bodyReader, type ByteReader, type UpstreamResponse } from '../upstream/transport'
import { withClientQuery } from '../upstream/url-parts'
import { modelInfo } from '../models/model-table'
import { checkContextWindow, mayExceedContextWindow } from '../resilience/context-window'
import { dropForeignThinking, dropForeignThinkingFromBody, dropSignedThinking, dropSignedThinkingFromBody } from '../resilience/foreign-thinking'
import { applyTokenFloor, applyTokenFloorToBody } from '../resilience/token-floor'
import type { ExchangeContext } from './exchange-tally'
import type { ExchangeHooks } from './generate'
import type { Runtime } from './runtime'
import { readPassThroughBody, readUpstreamJson, upstreamError } from './upstream-body'
import { shownUrl } from './whose-fault'
import type { OpenSession } from '../sessions/open-session'
import { hubWithGatewayIds, withGatewayIds } from '../sessions/own-session-ids'
import type { RequestOutcome } from '../interceptors/run-request'
import type { UpstreamCallShape } from '../subscriptions/types'
import { assembleStream } from './assemble-stream'
import { loginRefusal } from './login-refusal'

/** What stays the same over every attempt of one request. */
export interface Exchange {
  req: Request
  url: URL
  front: Protocol
  rt: Runtime
  body: Record<string, unknown>
  text: string
  envelope: { model: string; stream: boolean }
  hints?: RequestHints
  hooks?: ExchangeHooks
  started: number
  /** REQUEST_BUDGET_MS from the start: no attempt or wait goes past it. */
  deadline: number
  /** An upstream could not verify the history's signed reasoning: later attempts send none. */
  dropSigned?: boolean
  /** Who asks, and how to run work after the answer (usage is recorded so). */
  exchange: ExchangeContext
  /** What admission counted for the client's token limits. */
  admitted: number
  /** `backend:model=status` of every attempt so far. */
  tries: string[]
  /** The session the request belongs to. */
  session: OpenSession
  /** What the request interceptors decided: overrides over selector parameters, a changed request. */
  intercepted: RequestOutcome
}

/** An attempt whose answer has started well: the client gets it, and nothing is retried from here. */
export interface Committed {
  route: Route
  back: Protocol
  hub?: HubRequest
  passThrough: boolean
  stream: boolean
  upstream: UpstreamResponse
  warnings: string[]
  /** An SSE answer: its reader, the first chunk already read and given back first. */
  reader?: ByteReader
  /** A whole answer, read and checked: its bytes (pass-through) and its JSON. */
  bytes?: Uint8Array<ArrayBuffer>
  json?: unknown
  /** `…abcd` of the key used ('' without one). */
  keyHint: string
}

export type AttemptOutcome =
  | { ok: true; committed: Committed }
  | { ok: false; error: GatewayError; kind: FailureKind; status?: number; retryAfterMs?: number }

const failed = (error: GatewayError, kind: FailureKind, status?: number, retryAfter?: number): AttemptOutcome => ({
  ok: false,
  error,
  kind,
  status,
  retryAfterMs: retryAfter,
})

/**
 * One try of one route with one key: the request encoded for that back end
 * (passed through unchanged when it speaks the client's protocol), sent, and
 * its answer taken as far as its first byte — a stream's first chunk, a whole
 * JSON answer — so that a failure up to there can still go elsewhere.
 * Errors of the client's own request (a bad body) are thrown.
 */
export async function attempt(x: Exchange, route: Route, key: string | undefined, keyHint: string, decoded?: HubRequest): Promise<AttemptOutcome> {
  const { front, rt, body, hooks } = x
  // A CLI login this runtime will not use (multi-user mode, a Worker): refused before any work, and the
  // loop goes on to the next failover entry without holding it against the back end.
  const refused = loginRefusal(rt, route.backend)
  if (refused) return failed(refused, 'refused')
  const back = PROTOCOLS[route.backend.protocol]
  const { changed, overrides } = x.intercepted
  // Selector parameters (`?temperature=0.2`), session overrides and a request an interceptor changed
  // are encoded anew rather than passed through.
  const sameProtocol = back.id === front.id && !route.overrides && !changed && !hasAny(overrides)
  // Translating, or a front end that works on the conversation (Responses state): decode and validate in full.
  // A pass-through body is checked as far as routing needs; its own upstream validates the rest.
  // (The interceptors' request is copied: an attempt's changes stay its own.)
  const given = decoded ?? (x.intercepted.hub ? { ...x.intercepted.hub } : undefined)
  let hub = !sameProtocol || hooks ? (given ?? front.decodeRequest(body, x.hints)) : undefined
  const allowed = hooks?.before && hub ? await hooks.before(hub, body, route) : { passThrough: true }
  if (route.overrides && hub) Object.assign(hub, route.overrides)
  if (hub && hasAny(overrides)) Object.assign(hub, overrides)
  const passThrough = sameProtocol && allowed.passThrough
  const stream = hub?.stream ?? x.envelope.stream
  // A host that answers only as a stream: asked for one, and its stream put together for this client.
  const assemble = !stream && route.backend.quirks.streamsOnly === true

  const warnings: string[] = []
  const warn = (m: string) => warnings.push(m)
  // This entry's model: its context window, output floor, and whose reasoning signatures it can read.
  const info = modelInfo(rt.settings, route.backend, route.model)
  const floor = rt.settings.models.reasoningTokenFloor
  let tooLong: GatewayError | undefined
  let upstreamBody: string
  const ctx = { model: route.model, quirks: route.backend.quirks, warn }
  if (passThrough) {
    // Nothing the hub does not model is lost; and a body that goes on unchanged is not serialised again.
    let sent = withGatewayIds(body, x.session.id) ?? body
    sent = dropForeignThinkingFromBody(back.id, sent, warn) ?? sent
    if (x.dropSigned) sent = dropSignedThinkingFromBody(back.id, sent, warn) ?? sent
    sent = applyTokenFloorToBody(back.id, sent, info, floor, warn) ?? sent
    // Only a body long enough to come near the window is decoded to estimate it.
    if (mayExceedContextWindow(x.text.length, info)) tooLong = checkContextWindow(hub ?? front.decodeRequest(sent, x.hints), route.backend, route.model, info)
    const sameModel = sent.model === route.model || sent.model === undefined
    const renamed = sameModel ? sent : { ...sent, model: route.model }
    const adapted = back.adaptPassThrough?.(renamed, ctx)
    upstreamBody = adapted ? JSON.stringify(adapted) : sameModel && sent === body ? x.text : JSON.stringify(renamed)
    if (assemble) upstreamBody = JSON.stringify({ ...(adapted ?? renamed), stream: true })
  } else {
    hub = dropForeignThinking(hubWithGatewayIds(hub!, x.session.id), route.backend.protocol, warn)
    if (x.dropSigned) hub = dropSignedThinking(hub, warn)
    hub = applyTokenFloor(hub, info, floor, warn)
    tooLong = checkContextWindow(hub, route.backend, route.model, info)
    checkToolHistory(hub)
    upstreamBody = tooLong ? '' : JSON.stringify(back.encodeRequest(assemble ? { ...hub, stream: true } : hub, ctx))
  }
  // Too long for this model: refused before it goes anywhere (the loop tries the next entry, if any).
  if (tooLong) return failed(tooLong, 'context_window')

  const path = upstreamPath(route, back, stream || assemble)
  const upstreamUrl = route.backend.baseUrl + (passThrough ? withClientQuery(path, x.url) : path)
  if (rt.log.debugging) rt.log.debug(`upstream: POST ${shownUrl(upstreamUrl)} (${passThrough ? 'pass-through' : 'translated'}${keyHint ? `, key ${keyHint}` : ''})`)
  const left = x.deadline - Date.now()
  if (left <= 0) return failed(new GatewayError('timeout', 'The request used up REQUEST_BUDGET_MS before an upstream answered.'), 'timeout')
  let upstream: UpstreamResponse
  // With capture on, this call and its answer are recorded (src/capture/exchange-capture.ts).
  const capture = x.exchange.capture
  let captured: number | undefined
  try {
    let call = {
      url: upstreamUrl,
      headers: upstreamHeaders({
        backend: route.backend,
        key,
        client: x.req.headers,
        passThrough,
        anthropicVersion: rt.settings.anthropicVersion,
        clientSpeaksAnthropic: front.id === 'anthropic',
      }),
      body: upstreamBody,
    }
    // A subscription back end: its CLI's login signs the call (src/subscriptions/).
    if (route.backend.auth === 'login') call = await signWithLogin(rt, route, key, call)
    if (capture) captured = capture.upstreamRequest(call, route, keyHint, passThrough)
    upstream = await callUpstream({
      ...call,
      transport: rt.transport,
      timeoutMs: Math.min(rt.settings.upstreamTimeoutMs, left),
      clientSignal: x.req.signal,
    })
  } catch (err) {
    if (captured !== undefined) capture!.upstreamFailed(captured, err)
    if (!(err instanceof GatewayError) || err.status === CLIENT_CLOSED) throw err
    return failed(err, failureKind(err))
  }
  if (captured !== undefined) upstream = capture!.upstreamResponse(captured, upstream)

  if (!upstream.ok) {
    if (upstream.status === 401 && route.backend.auth === 'login' && key) rt.logins?.refused(route.backend, key)
    const error = await upstreamError(upstream, back.decodeError, { backend: route.backend, method: 'POST', url: upstreamUrl }, rt.redactor)
    return failed(error, failureKind(error, upstream.status, route.backend), upstream.status, retryAfterMs(upstream.headers))
  }

  const committed: Committed = { route, back, hub, passThrough, stream, upstream, warnings, keyHint }
  const upstreamIsSse = (upstream.headers.get('content-type') ?? '').includes('text/event-stream')
  const reader = upstreamIsSse && (passThrough || stream) && !assemble ? bodyReader(upstream) : null
  try {
    if (assemble && upstreamIsSse)
      Object.assign(committed, await assembleStream(upstream, back, hub ?? front.decodeRequest(body, x.hints), rt.settings.streamIdleTimeoutMs))
    else if (reader) committed.reader = await withFirstChunk(reader, rt.settings.streamIdleTimeoutMs)
    else if (passThrough) Object.assign(committed, await readPassThroughBody(upstream, stream, rt.settings.streamIdleTimeoutMs))
    else committed.json = await readUpstreamJson(upstream, rt.settings.streamIdleTimeoutMs)
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err
    rt.log.info(`upstream ${route.backend.id} model=${logValue(route.model)}: ${logValue(err.message)}`)
    return failed(err, err.kind === 'timeout' ? 'timeout' : 'cut')
  }
  return { ok: true, committed }
}

/**
 * Reads a stream's first chunk before anything goes to the client (an upstream
 * that ends or breaks before it, or says nothing for STREAM_IDLE_TIMEOUT_MS,
 * has failed before the answer began), then gives it back as the first read.
 */
async function withFirstChunk(reader: ByteReader, idleMs: number): Promise<ByteReader> {
  let timer: ReturnType<typeof setTimeout> | undefined
  let first: ReadableStreamReadResult<Uint8Array>
  try {
    first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(quiet(idleMs)), idleMs))),
    ])
  } catch (err) {
    reader.cancel().catch(() => {})
    if (err instanceof GatewayError) throw err
    throw new GatewayError('bad_gateway', 'The upstream connection failed before the stream began.')
  } finally {
    clearTimeout(timer)
  }
  if (first.done) throw new GatewayError('bad_gateway', 'The upstream ended the stream before its first event.')
  let held: Uint8Array | undefined = first.value
  return {
    read() {
      if (!held) return reader.read()
      const value = held
      held = undefined
      return Promise.resolve({ done: false, value })
    },
    cancel: (reason) => reader.cancel(reason),
  }
}

const quiet = (ms: number) => new GatewayError('timeout', `The upstream sent its headers but no event within ${ms} ms.`)

/** The provider's own path when it has one (Azure deployments), else the protocol's. */
function upstreamPath(route: Route, back: Protocol, stream: boolean): string {
  const template = route.backend.pathTemplate
  return template ? template.replace('{model}', () => encodeURIComponent(route.model)) : back.upstreamPath(route.model, stream)
}

/** Signs a subscription back end's call (a runtime without CLI logins refused it already: loginRefusal). */
function signWithLogin(rt: Runtime, route: Route, ref: string | undefined, call: UpstreamCallShape): Promise<UpstreamCallShape> {
  if (!rt.logins || !ref) throw new GatewayError('api_error', `The "${route.backend.id}" back end has no credentials file to sign with.`)
  return rt.logins.sign(route.backend, ref, call)
}

const hasAny = (o: object) => {
  for (const _ in o) return true
  return false
}
