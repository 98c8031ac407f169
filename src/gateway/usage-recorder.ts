import { CLIENT_CLOSED } from '../hub/errors'
import type { Usage } from '../hub/response'
import { logValue } from '../log'
import type { ProtocolId } from '../protocols/types'
import { costUsd, type ModelPrices } from '../resilience/cost'
import type { ClientIdentity } from '../routes/types'
import type { UsageRecord } from '../state/ports'
import type { Runtime } from './runtime'
import type { RequestIds } from '../http/request-id'
import type { TrafficRow } from '../observe/exchange-feed'
import { exchangeLog } from '../observe/exchange-log'

/** What the request path knows once an exchange is over (a stream: once it has ended). */
export interface ExchangeSummary {
  /** ms since epoch. */
  startedAt: number
  client: ClientIdentity
  /** The exchange's ids; missing for a caller that is not a route. */
  ids?: RequestIds
  session?: string
  /** The client asked for a stream. */
  stream?: boolean
  /** A capture of the exchange was written. */
  captured?: boolean
  /** The client's protocol. */
  frontEnd: ProtocolId
  /** What served it, or the last one tried. */
  backend: string
  model: string
  /** `backend:model` of each attempt, in order. */
  attempts: string[]
  /**
   * The answer's status; a stream that broke after its 200 carries its error's status, one the client
   * left (before or during its answer) CLIENT_CLOSED (499).
   */
  status: number
  /** As the upstream reported it; missing when it said nothing. */
  usage?: Usage
  ttfbMs?: number
  totalMs: number
  /** The input tokens admission counted (admitClient's answer; 0 when the client has no token limit). */
  estimatedInputTokens: number
  /** From the model table; without them the cost is null. */
  prices?: ModelPrices
}

export type Defer = (work: Promise<unknown>) => void

export function usageRecord(s: ExchangeSummary): UsageRecord {
  const u = s.usage
  const record: UsageRecord = {
    at: s.startedAt,
    client: s.client.name,
    frontEnd: s.frontEnd,
    backend: s.backend,
    model: s.model,
    attempts: s.attempts,
    status: s.status,
    // The hub's inputTokens counts cached tokens, as OpenAI's prompt_tokens does.
    inputTokens: u?.inputTokens ?? 0,
    outputTokens: u?.outputTokens ?? 0,
    cachedInputTokens: u?.cacheReadTokens ?? 0,
    reasoningTokens: u?.reasoningTokens ?? 0,
    totalMs: s.totalMs,
    costUsd: costUsd(u, s.prices),
  }
  if (s.session !== undefined) record.session = s.session
  if (s.ttfbMs !== undefined) record.ttfbMs = s.ttfbMs
  return record
}

/**
 * How far the tokens admission counted were off: the real input and output when the upstream
 * reported them; nothing was used when it failed without saying; the estimate stands when a
 * good answer said nothing (an OpenAI stream without include_usage), and when the client left
 * before the upstream said (the upstream may well have billed the prompt).
 */
export function tokenDelta(s: ExchangeSummary): number {
  if (s.usage) return s.usage.inputTokens + s.usage.outputTokens - s.estimatedInputTokens
  return s.status >= 400 && s.status !== CLIENT_CLOSED ? -s.estimatedInputTokens : 0
}

/**
 * Writes the exchange's usage record, and settles the client's token counters with the real
 * count, after the answer (`defer`: ctx.waitUntil on Workers): never delays it, never throws.
 */
export function recordExchange(rt: Runtime, defer: Defer, summary: ExchangeSummary): void {
  try {
    const record = usageRecord(summary)
    if (summary.ids) rt.feed.push(trafficRow(summary, record))
    defer(rt.state.usage.record([record]).catch((err: Error) => rt.log.error(`usage: could not record (${logValue(err?.message ?? String(err))})`)))
    // (A runtime a test builds by hand may have no metrics.)
    rt.metrics?.exchange(summary)
    // LOG_FORMAT=json: the exchange's one line, with its timings and tokens (text keeps the attempt loop's line).
    if (rt.log.json) rt.log.info(...exchangeLog(summary, record))
    const { tpm, dailyTokens } = summary.client.limits
    if (tpm === undefined && dailyTokens === undefined) return
    const delta = tokenDelta(summary)
    if (delta !== 0)
      defer(rt.state.limits.settle(summary.client.name, delta).catch((err: Error) => rt.log.error(`limits: could not settle (${logValue(err?.message ?? String(err))})`)))
  } catch (err) {
    rt.log.error(`usage: could not record (${logValue((err as Error)?.message ?? String(err))})`)
  }
}

/** The traffic views' row of a finished exchange. */
export function trafficRow(s: ExchangeSummary, r: UsageRecord): TrafficRow {
  const row: TrafficRow = {
    id: s.ids?.id ?? '',
    requestId: s.ids?.requestId ?? '',
    at: s.startedAt,
    client: s.client.name,
    frontEnd: s.frontEnd,
    backend: s.backend,
    model: s.model,
    status: s.status,
    stream: s.stream ?? false,
    totalMs: s.totalMs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    captured: s.captured ?? false,
  }
  if (s.session !== undefined) row.session = s.session
  if (s.ttfbMs !== undefined) row.ttfbMs = s.ttfbMs
  return row
}
