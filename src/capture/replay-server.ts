import { attemptAnswers, succeeded, type AttemptAnswer } from './exchange-overview'
import type { CapturedExchange } from './read-captures'

/** What a replay serves: one upstream attempt's answer, with the waits between its parts as captured. */
export interface ReplayPlan {
  exchange: string
  attempt: number
  status: number
  headers: Array<[string, string]>
  /** ms from the attempt's request to its answer's head. */
  firstWaitMs: number
  /** Each chunk (or the one body) with the ms to wait before sending it. */
  chunks: Array<{ waitMs: number; bytes: Uint8Array }>
  /** The answer broke off (an `error` record): the replay drops the connection after the last chunk. */
  error?: string
  /** The capture kept only part of the answer (CAPTURE_MAX_EXCHANGE_BYTES): the replay is not byte for byte. */
  incomplete?: boolean
}

/**
 * Headers a replay does not repeat: the connection's own, and the ones about the encoding of the bytes on the
 * wire (the captured bytes are the decoded ones; the replay server frames them itself).
 */
const NOT_REPLAYED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'proxy-connection', 'trailer'])

/**
 * The plan for replaying an exchange's upstream answer: attempt `attempt` when given, else the last attempt that
 * succeeded (a 2xx answered to its end), else the last attempt that got an answer at all. Throws an Error that
 * says which attempts there are when the one asked for has no answer to replay.
 */
export function replayPlan(ex: CapturedExchange, attempt?: number): ReplayPlan {
  const answers = attemptAnswers(ex)
  const answered = answers.filter((a) => a.head)
  const list = answered.map((a) => `${a.attempt} (status ${String(a.head!.meta.status)})`).join(', ') || 'none'
  let chosen: AttemptAnswer | undefined
  if (attempt !== undefined) {
    chosen = answers.find((a) => a.attempt === attempt)
    if (!chosen?.head) throw new Error(`exchange ${ex.id} has no upstream answer for attempt ${attempt}; attempts with an answer: ${list}`)
  } else {
    chosen = [...answered].reverse().find(succeeded) ?? answered[answered.length - 1]
    if (!chosen) throw new Error(`exchange ${ex.id} has no captured upstream answer to replay`)
  }
  const head = chosen.head!
  const status = typeof head.meta.status === 'number' ? head.meta.status : 200
  const headers: Array<[string, string]> = []
  const captured = head.meta.headers
  if (captured && typeof captured === 'object')
    for (const [k, v] of Object.entries(captured as Record<string, unknown>)) {
      if (NOT_REPLAYED.has(k.toLowerCase())) continue
      if (typeof v === 'string') headers.push([k, v])
      else if (Array.isArray(v)) for (const one of v) headers.push([k, String(one)])
    }
  const sent = chosen.request.length ? chosen.request[chosen.request.length - 1]!.ts : head.ts
  const chunks: ReplayPlan['chunks'] = []
  let previous = head.ts
  for (const p of chosen.parts) {
    if (!p.data) continue
    chunks.push({ waitMs: Math.max(0, p.ts - previous), bytes: p.data })
    previous = p.ts
  }
  const error = chosen.last?.kind === 'error' ? (typeof chosen.last.meta.message === 'string' ? chosen.last.meta.message : 'the upstream answer broke off') : undefined
  const incomplete = chosen.parts.some((p) => p.meta.truncated) || !!chosen.last?.meta.dropped
  return { exchange: ex.id, attempt: chosen.attempt, status, headers, firstWaitMs: Math.max(0, head.ts - sent), chunks, ...(error ? { error } : {}), ...(incomplete ? { incomplete } : {}) }
}

export interface ReplayOptions {
  /** 2 replays twice as fast; 0 sends everything without waiting. Default 1. */
  speed?: number
  /** Called when an answer has been sent to its end (or the client went away). */
  onServed?: () => void
}

const NULL_BODY = new Set([101, 204, 205, 304])

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve()
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })

/**
 * A fake upstream that answers every POST with the plan: the same status and headers, then the same chunks
 * with the same waits between them (divided by `speed`); an answer that broke off breaks off the same way (the
 * body stream errors, and the server drops the connection). Other methods get a 405 that says so.
 */
export function replayHandler(plan: ReplayPlan, opts: ReplayOptions = {}): (req: Request) => Promise<Response> {
  const speed = opts.speed ?? 1
  const wait = (ms: number, signal?: AbortSignal) => (speed > 0 ? sleep(ms / speed, signal) : Promise.resolve())
  return async (req) => {
    if (req.method !== 'POST')
      return Response.json({ error: { message: `This is a replay of exchange ${plan.exchange} (attempt ${plan.attempt}): it answers POST only.`, type: 'invalid_request_error' } }, { status: 405, headers: { allow: 'POST' } })
    await req.arrayBuffer().catch(() => undefined)
    await wait(plan.firstWaitMs, req.signal)
    const headers = new Headers()
    for (const [k, v] of plan.headers) {
      try {
        headers.append(k, v)
      } catch {
        // a value the Headers class refuses is left out
      }
    }
    if (NULL_BODY.has(plan.status) || (!plan.chunks.length && !plan.error)) {
      opts.onServed?.()
      return new Response(NULL_BODY.has(plan.status) ? null : new Uint8Array(0), { status: plan.status, headers })
    }
    let next = 0
    let done = false
    const finish = () => {
      if (done) return
      done = true
      opts.onServed?.()
    }
    const aborted = new AbortController()
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = plan.chunks[next++]
        if (!chunk) {
          if (plan.error) controller.error(new Error(`replayed upstream failure: ${plan.error}`))
          else controller.close()
          return finish()
        }
        await wait(chunk.waitMs, aborted.signal)
        if (!done) controller.enqueue(chunk.bytes)
      },
      cancel() {
        aborted.abort()
        finish()
      },
    }, { highWaterMark: 0 })
    return new Response(body, { status: plan.status, headers })
  }
}
