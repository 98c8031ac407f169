import type { ExchangeSummary } from '../gateway/usage-recorder'
import type { FailureKind, UsageRow } from '../state/ports'
import { GATEWAY_VERSION, runtimeName } from './gateway-info'
import { CONTENT_TYPE, MetricsRegistry, renderRows, type Counter, type Gauge, type Histogram } from './metrics-registry'

export { CONTENT_TYPE }

/** How a streamed answer ended: whole, with an error event, or because the client went away. */
export type StreamEnd = 'complete' | 'error' | 'client_gone'

/** Seconds: most answers of a chat model take between a second and a few minutes. */
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600]
/** Seconds until the upstream's answer began. */
const TTFB_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]

/** What the admin page (or anyone) can read without parsing the exposition: this isolate's totals. */
export interface MetricsTotals {
  requests: number
  errors: number
  inputTokens: number
  outputTokens: number
  upstreamErrors: number
  retries: number
  openStreams: number
  startedAt: number
}

/**
 * The gateway's metrics in this isolate or process (`rt.metrics`), fed where the facts are known:
 * every finished exchange (recordExchange), every failed attempt and retry (the attempt loop), every
 * streamed answer's start and end (the stream guards). A few counter additions per request.
 */
export class GatewayMetrics {
  readonly registry = new MetricsRegistry()
  readonly startedAt = Date.now()
  private readonly info: Gauge
  private readonly start: Gauge
  readonly requests: Counter
  private readonly duration: Histogram
  private readonly ttfb: Histogram
  readonly inputTokens: Counter
  readonly outputTokens: Counter
  readonly upstreamErrors: Counter
  readonly retries: Counter
  readonly open: Gauge
  readonly streamsEnded: Counter
  private errors = 0

  constructor(accessMode = '') {
    const r = this.registry
    this.info = r.gauge('llm_gateway_info', 'The gateway: version, runtime and access mode (always 1).', ['version', 'runtime', 'access_mode'])
    this.info.set([GATEWAY_VERSION, runtimeName(), accessMode], 1)
    this.start = r.gauge('llm_gateway_start_time_seconds', 'When this isolate or process began counting (unix seconds): the counters below start from zero then.')
    this.start.set([], Math.floor(this.startedAt / 1000))
    this.requests = r.counter('llm_gateway_requests_total', 'Finished exchanges, by front end, back end, model, status and client.', ['front_end', 'backend', 'model', 'status', 'client'])
    this.duration = r.histogram('llm_gateway_request_duration_seconds', 'Time from the request to the end of its answer (a stream: its last byte).', ['front_end', 'backend'], DURATION_BUCKETS)
    this.ttfb = r.histogram('llm_gateway_time_to_first_byte_seconds', "Time from the request to the upstream answer's first byte.", ['front_end', 'backend'], TTFB_BUCKETS)
    this.inputTokens = r.counter('llm_gateway_input_tokens_total', 'Input (prompt) tokens the upstreams reported, cached ones included.', ['backend', 'model'])
    this.outputTokens = r.counter('llm_gateway_output_tokens_total', 'Output tokens the upstreams reported.', ['backend', 'model'])
    this.upstreamErrors = r.counter('llm_gateway_upstream_errors_total', 'Failed upstream attempts, by back end and failure kind.', ['backend', 'kind'])
    this.retries = r.counter('llm_gateway_upstream_retries_total', 'Attempts made after a failed one, by the back end and kind of the failure that caused them.', ['backend', 'kind'])
    this.open = r.gauge('llm_gateway_open_streams', 'Streamed answers in flight (begun and not yet ended, broken or left by the client).')
    this.streamsEnded = r.counter('llm_gateway_streams_total', 'Streamed answers that ended, by how: complete, error, client_gone.', ['end'])
  }

  /** A finished exchange (recordExchange). */
  exchange(s: ExchangeSummary): void {
    this.requests.inc([s.frontEnd, s.backend, s.model, String(s.status), s.client.name])
    if (s.status >= 400) this.errors++
    const where = [s.frontEnd, s.backend]
    this.duration.observe(where, s.totalMs / 1000)
    if (s.ttfbMs !== undefined) this.ttfb.observe(where, s.ttfbMs / 1000)
    const u = s.usage
    if (u) {
      const route = [s.backend, s.model]
      if (u.inputTokens) this.inputTokens.inc(route, u.inputTokens)
      if (u.outputTokens) this.outputTokens.inc(route, u.outputTokens)
    }
  }

  /** An attempt that failed (the attempt loop). */
  attemptFailed(backend: string, kind: FailureKind): void {
    this.upstreamErrors.inc([backend, kind])
  }

  /** Another attempt went out after a failed one (its back end and kind). */
  retried(backend: string, kind: FailureKind): void {
    this.retries.inc([backend, kind])
  }

  /** A streamed answer began; the answer is a function to call once when it ends (later calls do nothing). */
  streamBegan(): (how: StreamEnd) => void {
    this.open.inc([], 1)
    let ended = false
    return (how) => {
      if (ended) return
      ended = true
      this.open.inc([], -1)
      this.streamsEnded.inc([how])
    }
  }

  totals(): MetricsTotals {
    return {
      requests: this.requests.total(),
      errors: this.errors,
      inputTokens: this.inputTokens.total(),
      outputTokens: this.outputTokens.total(),
      upstreamErrors: this.upstreamErrors.total(),
      retries: this.retries.total(),
      openStreams: this.open.get(),
      startedAt: this.startedAt,
    }
  }

  /** The exposition: this isolate's families, then the ledger's (when it could be read). */
  render(ledger?: LedgerTotals): string {
    return this.registry.render() + renderLedger(ledger)
  }
}

/** The usage ledger's totals (global: every isolate's and every restart's, as long as the ledger keeps them). */
export interface LedgerTotals {
  byClient: UsageRow[]
  /** Grouped by `backend:model`. */
  byModel: UsageRow[]
}

type Field = 'requests' | 'errors' | 'input_tokens' | 'output_tokens' | 'cost_usd'
const LEDGER_FIELDS: Array<[Field, string]> = [
  ['requests', 'exchanges recorded'],
  ['errors', 'exchanges recorded with a status of 400 or more'],
  ['input_tokens', 'input tokens recorded'],
  ['output_tokens', 'output tokens recorded'],
  ['cost_usd', 'cost in US dollars recorded (models with prices only)'],
]

/** `llm_gateway_ledger_{client,model}_*` gauges and `llm_gateway_ledger_up`. */
export function renderLedger(ledger: LedgerTotals | undefined): string {
  let out = renderRows('llm_gateway_ledger_up', 'Whether the usage ledger answered this scrape (1) or not (0).', 'gauge', [], [[[], ledger ? 1 : 0]])
  if (!ledger) return out
  for (const [field, what] of LEDGER_FIELDS) {
    const rows = ledger.byClient.map((r): [string[], number] => [[r.group], r[field] ?? 0])
    out += renderRows(`llm_gateway_ledger_client_${field}`, `Usage ledger (all isolates, kept in state): ${what}, per client.`, 'gauge', ['client'], rows)
  }
  for (const [field, what] of LEDGER_FIELDS) {
    const rows = ledger.byModel.map((r): [string[], number] => {
      const colon = r.group.indexOf(':')
      return [colon === -1 ? [r.group, ''] : [r.group.slice(0, colon), r.group.slice(colon + 1)], r[field] ?? 0]
    })
    out += renderRows(`llm_gateway_ledger_model_${field}`, `Usage ledger (all isolates, kept in state): ${what}, per back end and model.`, 'gauge', ['backend', 'model'], rows)
  }
  return out
}
