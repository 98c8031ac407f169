import type { CaptureRecord } from './format'
import type { CapturedExchange } from './read-captures'

/**
 * What a captured exchange was, read defensively from its records: the `exchange` summary when it is there,
 * else what the heads say. Every field may be missing in a capture cut short or written by another version.
 */
export interface ExchangeOverview {
  id: string
  at: number
  session?: string
  client?: string
  frontEnd?: string
  backend?: string
  model?: string
  /** `front end → backend:model`. */
  route: string
  status?: number
  inputTokens?: number
  outputTokens?: number
  stream: boolean
  attempts: number
  totalMs?: number
  ttfbMs?: number
  requestId?: string
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** A name from a string or an object with a `name` (a client identity). */
const nameOf = (v: unknown): string | undefined => str(v) ?? (v && typeof v === 'object' ? str((v as { name?: unknown }).name) : undefined)

/** A header value, whatever the case of its name. */
export function headerOf(meta: Record<string, unknown>, name: string): string | undefined {
  const headers = meta.headers
  if (!headers || typeof headers !== 'object') return undefined
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) if (k.toLowerCase() === name) return typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : undefined
  return undefined
}

function tokens(usage: unknown): { input?: number; output?: number } {
  if (!usage || typeof usage !== 'object') return {}
  const u = usage as Record<string, unknown>
  return {
    input: num(u.inputTokens) ?? num(u.input_tokens) ?? num(u.prompt_tokens) ?? num(u.promptTokenCount),
    output: num(u.outputTokens) ?? num(u.output_tokens) ?? num(u.completion_tokens) ?? num(u.candidatesTokenCount),
  }
}

export function overview(ex: CapturedExchange): ExchangeOverview {
  const find = (leg: CaptureRecord['leg'], kind: CaptureRecord['kind']) => ex.records.find((r) => r.leg === leg && r.kind === kind)
  const summary = find('exchange', 'summary')?.meta ?? {}
  const lastUpstream = [...ex.records].reverse().find((r) => r.leg === 'upstream-request' && r.kind === 'head')?.meta ?? {}
  const clientHead = find('client-response', 'head')?.meta ?? {}
  const frontEnd = str(summary.frontEnd)
  const backend = str(summary.backend) ?? str(lastUpstream.backend)
  const model = str(summary.model) ?? str(lastUpstream.model)
  const t = tokens(summary.usage)
  const attempts = Array.isArray(summary.attempts) ? summary.attempts.length : ex.records.filter((r) => r.leg === 'upstream-request' && r.kind === 'head').length
  const contentType = headerOf(clientHead, 'content-type') ?? ''
  // The summary's word when it has one; else an event stream, or chunks of anything but JSON.
  const stream =
    typeof summary.stream === 'boolean'
      ? summary.stream
      : contentType.includes('event-stream') || (!contentType.includes('json') && ex.records.some((r) => r.leg === 'client-response' && r.kind === 'chunk'))
  const target = backend && model ? `${backend}:${model}` : (backend ?? model ?? '?')
  return {
    id: ex.id,
    at: ex.at,
    session: str(summary.session),
    client: nameOf(summary.client),
    frontEnd,
    backend,
    model,
    route: `${frontEnd ?? '?'} → ${target}`,
    status: num(summary.status) ?? num(clientHead.status),
    inputTokens: t.input,
    outputTokens: t.output,
    stream,
    attempts,
    totalMs: num(summary.totalMs),
    ttfbMs: num(summary.ttfbMs),
    requestId: str(summary.requestId),
  }
}

/** One upstream attempt's answer: its head (missing when the connection failed first) and what followed. */
export interface AttemptAnswer {
  attempt: number
  head?: CaptureRecord
  /** `chunk` and `body` records, in order. */
  parts: CaptureRecord[]
  /** The `end` or `error` record. */
  last?: CaptureRecord
  /** The attempt's upstream-request records. */
  request: CaptureRecord[]
}

/**
 * The upstream answers, one per attempt, in order. A record names its attempt in `meta.attempt`; one that does
 * not belongs to the latest head before it (and heads without a number are numbered 1, 2… in order).
 */
export function attemptAnswers(ex: CapturedExchange): AttemptAnswer[] {
  const answers: AttemptAnswer[] = []
  const byNumber = (n: number) => answers.find((a) => a.attempt === n)
  let current: AttemptAnswer | undefined
  let requestCurrent: AttemptAnswer | undefined
  const open = (n: number | undefined) => {
    const k = n ?? (answers.length ? Math.max(...answers.map((a) => a.attempt)) + 1 : 1)
    let a = byNumber(k)
    if (!a) answers.push((a = { attempt: k, parts: [], request: [] }))
    return a
  }
  for (const r of ex.records) {
    const n = num(r.meta.attempt)
    if (r.leg === 'upstream-request') {
      requestCurrent = r.kind === 'head' ? open(n) : n !== undefined ? open(n) : (requestCurrent ?? open(undefined))
      requestCurrent.request.push(r)
      continue
    }
    if (r.leg !== 'upstream-response') continue
    let a: AttemptAnswer
    if (r.kind === 'head') a = current = n !== undefined ? open(n) : (requestCurrent && !requestCurrent.head ? requestCurrent : open(undefined))
    else a = n !== undefined ? open(n) : (current ?? requestCurrent ?? open(undefined))
    if (r.kind === 'head') a.head = r
    else if (r.kind === 'chunk' || r.kind === 'body') a.parts.push(r)
    else if (r.kind === 'end' || r.kind === 'error') a.last = r
  }
  return answers.sort((x, y) => x.attempt - y.attempt)
}

/** A 2xx head, answered to its end without an error. */
export function succeeded(a: AttemptAnswer): boolean {
  const status = num(a.head?.meta.status)
  return status !== undefined && status >= 200 && status < 300 && a.last?.kind !== 'error'
}
