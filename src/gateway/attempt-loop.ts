import { CLIENT_CLOSED, GatewayError } from '../hub/errors'
import { headerValue } from '../http/header-value'
import { logValue } from '../log'
import { applyReports, circuitAllows, circuitOf } from '../resilience/health-book'
import { NO_KEY, pickKey } from '../resilience/key-pool'
import { isThinkingSignatureError } from '../resilience/foreign-thinking'
import type { Route, RoutePlan } from '../routing/resolve-model'
import type { BackendHealth, FailureKind, HealthReport } from '../state/ports'
import { answer } from './answer'
import { attempt, type AttemptOutcome, type Exchange } from './attempt'
import type { GenerateOptions } from './generate'

export interface LoopControl {
  /** Waits out a cooldown before the next round (with keep-alive comments for a streaming client). */
  wait(ms: number, why: string): Promise<void>
  /** Runs work after the answer without delaying it. */
  defer(work: Promise<unknown>): void
  /** The client's name (sessions are per client). */
  client: string
  /** The first entry's health, already asked for (in parallel with the client's limits). */
  firstHealth?: Promise<BackendHealth>
}

/**
 * The one attempt loop: every route the plan offers, in order, each with the
 * keys of its back end's pool, until an answer starts.
 *
 * - A 429 cools that key for its retry-after (KEY_COOLDOWN_S when it gave
 *   none) and a 401/402/403 retires it; the same route goes on at once with
 *   another key.
 * - A 5xx, a timeout, a connection failure, a stream cut before its first
 *   byte or a context-length refusal moves to the next entry; another 4xx is
 *   the client's and is the answer.
 * - A route the gateway itself refuses (a CLI login in multi-user mode or on a
 *   Worker, an address multi-user mode refuses) moves to the next entry too,
 *   recorded nowhere: it is no failure of the upstream's.
 * - An open circuit (CIRCUIT_FAILURES in CIRCUIT_WINDOW_S) is skipped without
 *   waiting; past CIRCUIT_OPEN_S one request probes it.
 * - When only cooling keys are left, a cooldown of at most RETRY_MAX_WAIT_S is
 *   waited out and the plan tried again; a longer one is a 429 with the
 *   soonest retry-after.
 *
 * What every attempt learnt goes to the shared state at once (not awaited: the
 * next attempt does not wait on it), so other requests and isolates skip the
 * same key. Nothing is retried once the client has a byte.
 */
export async function runAttempts(x: Exchange, firstPlan: RoutePlan, options: GenerateOptions, ctl: LoopControl): Promise<Response> {
  const { rt } = x
  const policy = rt.settings.resilience
  const tries = x.tries
  let plan = firstPlan
  let waited = 0
  // The failure the next attempt retries (metrics: retries by back end and kind).
  let retrying: { backend: string; kind: FailureKind } | undefined
  // Each session sticks to one key of a pool (rendezvous hashing on the gateway's session id).
  const sessionOf = () => x.session.id

  for (;;) {
    const health = new Map<string, Promise<BackendHealth>>()
    if (ctl.firstHealth && plan === firstPlan) health.set(plan.first.backend.id, ctl.firstHealth)
    const healthOf = (id: string) => {
      let h = health.get(id)
      if (!h) health.set(id, (h = rt.state.health.read(id)))
      return h
    }
    const tried = new Map<string, Set<string>>()
    let soonest = Infinity
    let last: GatewayError | undefined
    let route: Route | undefined = plan.first
    // The next entry's health is read while this one is tried (parallel, not in sequence).
    while (route) {
      if (tries.length >= policy.maxAttempts) throw last ?? new GatewayError('api_error', `No upstream answered within MAX_ATTEMPTS (${policy.maxAttempts}) attempts.`)
      const b = route.backend
      const record = await healthOf(b.id)
      const now = Date.now()
      const gate = circuitAllows(record, route.model, now)
      if (gate !== 'yes' && !(gate === 'probe' && (await rt.state.health.claimProbe(b.id, route.model)))) {
        tries.push(`${b.id}:${route.model}=circuit-open`)
        last = circuitOpen(route, record, now)
        route = await plan.next()
        continue
      }
      let triedHere = tried.get(b.id)
      if (!triedHere) tried.set(b.id, (triedHere = new Set()))
      const pick = pickKey(b, record, triedHere, { rotation: policy.keyRotation, session: sessionOf, now })
      if (pick.kind !== 'key') {
        if (pick.kind === 'cooling') soonest = Math.min(soonest, pick.until)
        else last ??= noKeyLeft(b.id)
        route = await plan.next()
        continue
      }

      if (retrying) {
        rt.metrics.retried(retrying.backend, retrying.kind)
        retrying = undefined
      }
      const label = `${b.id}:${route.model}`
      let outcome: Awaited<ReturnType<typeof attempt>>
      try {
        outcome = await attempt(x, route, pick.key, pick.hint)
      } catch (err) {
        // The client left while this attempt was out: the exchange is recorded (generate) under the attempt it cut short.
        if (err instanceof GatewayError && err.status === CLIENT_CLOSED) {
          tries.push(`${label}=${CLIENT_CLOSED}`)
          logExchange(x, route, CLIENT_CLOSED, tries)
        }
        throw err
      }
      if (outcome.ok) {
        tries.push(`${label}=${outcome.committed.upstream.status}`)
        // A probe that got through, or a model with failures on record: its circuit closes.
        if (gate === 'probe' || circuitOf(record, route.model)) ctl.defer(rt.state.health.report(b.id, [{ type: 'success', model: route.model }], policy.circuit))
        logExchange(x, route, outcome.committed.upstream.status, tries)
        const keyNote = (pick.hint ? `; key=${pick.hint}` : '') + (x.intercepted.modelVia && route.via !== 'force' ? `; via=${x.intercepted.modelVia}` : '')
        return answer(x, outcome.committed, options, {
          'x-gateway-route': headerValue(`${label}${keyNote}`),
          'x-gateway-attempts': headerValue(`${tries.length}; ${tries.join(', ')}`),
        })
      }

      tries.push(`${label}=${outcome.status ?? outcome.kind}`)
      // Signed reasoning this upstream cannot verify (made by another account of the same protocol): once more without it.
      if (outcome.kind === 'client' && !x.dropSigned && isThinkingSignatureError(outcome.error, outcome.status ?? 0)) {
        x.dropSigned = true
        continue
      }
      if (outcome.kind === 'refused') {
        // The gateway's own refusal, not the upstream's failure: no circuit, key or retry is touched; the next entry, if any.
        rt.log.info(
          `attempt ${tries.length}: ${label} refused: ${logValue(outcome.error.message)}`,
          rt.log.json ? attemptFields(x, b.id, route.model, tries.length, outcome.kind, undefined) : undefined,
        )
        last = outcome.error
        route = await plan.next()
        continue
      }
      triedHere.add(pick.id)
      const reports = reportsFor(outcome, route.model, pick.id, pick.hint, policy.defaultCooldownMs, b.keys.length)
      applyReports(record, reports, policy.circuit, Date.now())
      ctl.defer(rt.state.health.report(b.id, reports, policy.circuit))
      rt.metrics.attemptFailed(b.id, outcome.kind)
      retrying = { backend: b.id, kind: outcome.kind }
      rt.log.info(
        `attempt ${tries.length}: ${label}${pick.hint ? ` key ${pick.hint}` : ''} failed (${outcome.kind}${outcome.status ? ` ${outcome.status}` : ''}): ${logValue(outcome.error.message)}`,
        rt.log.json ? attemptFields(x, b.id, route.model, tries.length, outcome.kind, outcome.status) : undefined,
      )
      last = outcome.error
      if (outcome.kind === 'client') {
        logExchange(x, route, outcome.error.status, tries)
        throw outcome.error
      }
      if (outcome.kind === 'rate_limited' && outcome.retryAfterMs !== undefined) soonest = Math.min(soonest, Date.now() + Math.max(outcome.retryAfterMs, 0))
      // A key's failure: the same entry with another key of its pool.
      if (outcome.kind === 'rate_limited' || outcome.kind === 'auth') continue
      route = await plan.next()
    }

    // Every entry was tried or skipped. Only cooling keys left: wait a short cooldown out, or say when to come back.
    if (soonest < Infinity) {
      const ms = Math.max(0, soonest - Date.now())
      if (ms + waited <= policy.retryMaxWaitMs && Date.now() + ms < x.deadline && tries.length < policy.maxAttempts) {
        await ctl.wait(ms, 'rate limited')
        if (x.req.signal.aborted) throw new GatewayError('api_error', 'The client closed the request.', { status: CLIENT_CLOSED })
        waited += ms
        plan = await plan.again()
        continue
      }
      // The upstream's own 429 when there was one (its message says which limit), with the soonest time any key is free.
      const err =
        last?.kind === 'rate_limit'
          ? last
          : new GatewayError('rate_limit', `Every key that could serve this request is rate limited; the soonest is free in ${Math.ceil(ms / 1000)} s.`, { upstream: true })
      err.retryAfter = String(Math.max(1, Math.ceil(ms / 1000)))
      logExchange(x, undefined, 429, tries)
      throw err
    }
    logExchange(x, undefined, last?.status ?? 502, tries)
    throw last ?? new GatewayError('bad_gateway', 'No upstream could be tried.')
  }
}

/** What an attempt's failure means for the shared state. */
function reportsFor(o: Extract<AttemptOutcome, { ok: false }>, model: string, keyId: string, hint: string, defaultCooldownMs: number, poolSize: number): HealthReport[] {
  const message = o.error.message
  const failure: HealthReport = { type: 'failure', model, kind: o.kind, status: o.status, hint: hint || undefined, message }
  if (o.kind === 'rate_limited') {
    const until = Date.now() + (o.retryAfterMs ?? defaultCooldownMs)
    return [{ type: 'cool', keyId, hint, until, reason: `HTTP 429${o.retryAfterMs === undefined ? ' (no retry-after)' : ''}` }, failure]
  }
  // A pool of one is never retired: there is nothing to go on with, and every request still hears the upstream's own refusal.
  if (o.kind === 'auth' && keyId !== NO_KEY && poolSize > 1) return [{ type: 'retire', keyId, hint, reason: `HTTP ${o.status}: ${message.slice(0, 200)}` }, failure]
  if (o.kind === 'client') return []
  return [failure]
}

function circuitOpen(route: Route, h: BackendHealth, now: number): GatewayError {
  const c = circuitOf(h, route.model)
  const s = Math.max(1, Math.ceil(((c?.until ?? now) - now) / 1000))
  const err = new GatewayError('overloaded', `"${route.backend.id}:${route.model}" failed repeatedly and is skipped for ${s} s more (circuit open).`, { upstream: true })
  err.retryAfter = String(s)
  return err
}

function noKeyLeft(backend: string): GatewayError {
  return new GatewayError(
    'upstream_auth',
    `Every key of the "${backend}" back end was refused by the upstream (401/402/403) and is retired; ` +
      `fix them, then reactivate them with POST /v1/diagnostics/backends/${backend}/reactivate.`,
    { upstream: true },
  )
}

/** LOG_FORMAT=json: a failed attempt's fields. */
function attemptFields(x: Exchange, backend: string, model: string, attempt: number, kind: FailureKind, status: number | undefined) {
  return { event: 'attempt_failed', request_id: x.exchange.ids?.requestId, session: x.exchange.session, client: x.exchange.client.name, front_end: x.front.id, backend, model, attempt, kind, status }
}

/** The text log's line per exchange, once an answer began or none could (LOG_FORMAT=json writes its own at the end: usage-recorder). */
function logExchange(x: Exchange, route: Route | undefined, status: number, tries: string[]): void {
  if (x.rt.log.json) return
  const to = route ? `${route.backend.id}(${route.backend.protocol}) model=${logValue(route.model)}` : 'no upstream'
  const more = tries.length > 1 ? ` attempts=${logValue(tries.join(','))}` : ''
  x.rt.log.info(`${x.req.method} ${logValue(x.url.pathname)} ${x.front.id}→${to} upstream=${status} ${x.envelope.stream ? 'stream ' : ''}${Date.now() - x.started}ms${more}`)
}
