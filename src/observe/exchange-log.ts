import type { ExchangeSummary } from '../gateway/usage-recorder'
import type { LogFields } from '../log'
import type { UsageRecord } from '../state/ports'

/**
 * The per-exchange line of LOG_FORMAT=json, written once the exchange is over (a stream: at its end),
 * so it carries the timings and tokens. Nothing secret: names, ids, statuses, counts.
 */
export function exchangeLog(s: ExchangeSummary, r: UsageRecord): [string, LogFields] {
  const msg = `${s.frontEnd}→${s.backend} model=${s.model} status=${s.status}${s.stream ? ' stream' : ''} ${s.totalMs}ms`
  return [
    msg,
    {
      event: 'exchange',
      request_id: s.ids?.requestId,
      id: s.ids?.id,
      session: s.session,
      client: s.client.name,
      front_end: s.frontEnd,
      backend: s.backend,
      model: s.model,
      status: s.status,
      attempts: s.attempts,
      stream: s.stream ?? false,
      ttfb_ms: s.ttfbMs,
      total_ms: s.totalMs,
      input_tokens: r.inputTokens,
      output_tokens: r.outputTokens,
      cached_input_tokens: r.cachedInputTokens,
    },
  ]
}
