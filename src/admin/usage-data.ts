import type { Runtime } from '../gateway/runtime'
import type { TrafficRow } from '../observe/exchange-feed'
import type { UsageRow } from '../state/ports'
import type { Series } from './views/charts'

export interface UsageCharts {
  days: number
  /** The ledger's day buckets (YYYY-MM-DD), oldest first. */
  dayBuckets: string[]
  /** Requests and tokens per day, one series per client (the busiest few, the rest as "other"). */
  requestsPerDay: Series[]
  tokensPerDay: Series[]
  byModel: UsageRow[]
  byBackend: UsageRow[]
  byClient: UsageRow[]
  /** The last 24 hours of this process's traffic feed, per hour. */
  hourBuckets: string[]
  tokensPerHour: { model: Series[]; backend: Series[]; client: Series[] }
  requestsPerHour: Series[]
}

const DAY = 86_400_000
const HOUR = 3_600_000
const TOP = 6

const tokens = (r: UsageRow) => r.input_tokens + r.output_tokens
const byTokens = (a: UsageRow, b: UsageRow) => tokens(b) - tokens(a) || b.requests - a.requests

/**
 * The usage page's numbers. Over days: the usage ledger (every runtime's, kept in state), whose queries
 * total by one of client, back end, model or day, optionally for one client: so the per-day charts are per
 * client (one ledger query per busy client), and model and back end are totals. Per hour: the traffic feed
 * of this process (on Workers, this isolate), which holds the latest exchanges with all three.
 */
export async function usageCharts(rt: Runtime, days: number, now = Date.now()): Promise<UsageCharts> {
  const since = Math.floor(now / DAY) * DAY - (days - 1) * DAY
  const usage = rt.state.usage
  const [byDay, byModel, byBackend, byClient] = await Promise.all(
    (['day', 'model', 'backend', 'client'] as const).map((groupBy) => usage.totals({ since, groupBy })),
  )
  const dayBuckets: string[] = []
  for (let t = since; t <= now; t += DAY) dayBuckets.push(new Date(t).toISOString().slice(0, 10))
  const clients = byClient!.slice().sort(byTokens)
  const top = clients.slice(0, TOP)
  const perClient = await Promise.all(top.map((c) => usage.totals({ since, groupBy: 'day', client: c.group })))
  const requestsPerDay: Series[] = []
  const tokensPerDay: Series[] = []
  const allDays = new Map(byDay!.map((r) => [r.group, r]))
  const rest = { requests: new Map(dayBuckets.map((d) => [d, allDays.get(d)?.requests ?? 0])), tokens: new Map(dayBuckets.map((d) => [d, allDays.get(d) ? tokens(allDays.get(d)!) : 0])) }
  top.forEach((c, i) => {
    const rows = new Map(perClient[i]!.map((r) => [r.group, r]))
    requestsPerDay.push({ name: c.group, values: dayBuckets.map((d) => rows.get(d)?.requests ?? 0) })
    tokensPerDay.push({ name: c.group, values: dayBuckets.map((d) => (rows.get(d) ? tokens(rows.get(d)!) : 0)) })
    for (const d of dayBuckets) {
      rest.requests.set(d, rest.requests.get(d)! - (rows.get(d)?.requests ?? 0))
      rest.tokens.set(d, rest.tokens.get(d)! - (rows.get(d) ? tokens(rows.get(d)!) : 0))
    }
  })
  if (clients.length > TOP) {
    requestsPerDay.push({ name: 'other clients', values: dayBuckets.map((d) => Math.max(0, rest.requests.get(d)!)) })
    tokensPerDay.push({ name: 'other clients', values: dayBuckets.map((d) => Math.max(0, rest.tokens.get(d)!)) })
  }

  const hourStart = Math.floor(now / HOUR) * HOUR - 23 * HOUR
  const hourBuckets = Array.from({ length: 24 }, (_, i) => `${new Date(hourStart + i * HOUR).toISOString().slice(11, 13)}h`)
  const recent = rt.feed.latest().filter((r) => r.at >= hourStart)
  return {
    days,
    dayBuckets,
    requestsPerDay,
    tokensPerDay,
    byModel: byModel!.slice().sort(byTokens),
    byBackend: byBackend!.slice().sort(byTokens),
    byClient: clients,
    hourBuckets,
    tokensPerHour: {
      model: hourly(recent, hourStart, (r) => `${r.backend}:${r.model}`, (r) => r.inputTokens + r.outputTokens),
      backend: hourly(recent, hourStart, (r) => r.backend, (r) => r.inputTokens + r.outputTokens),
      client: hourly(recent, hourStart, (r) => r.client, (r) => r.inputTokens + r.outputTokens),
    },
    requestsPerHour: [
      { name: 'ok', colour: '#12805c', values: hourly(recent.filter((r) => r.status < 400), hourStart, () => 'ok', () => 1)[0]?.values ?? Array(24).fill(0) },
      { name: 'errors', colour: '#c01048', values: hourly(recent.filter((r) => r.status >= 400), hourStart, () => 'errors', () => 1)[0]?.values ?? Array(24).fill(0) },
    ],
  }
}

/** One series per group (the busiest few, then "other"), 24 hourly values each. */
export function hourly(rows: TrafficRow[], start: number, group: (r: TrafficRow) => string, value: (r: TrafficRow) => number): Series[] {
  const per = new Map<string, number[]>()
  for (const r of rows) {
    const h = Math.floor((r.at - start) / HOUR)
    if (h < 0 || h > 23) continue
    const g = group(r)
    let v = per.get(g)
    if (!v) per.set(g, (v = Array(24).fill(0)))
    v[h] = v[h]! + value(r)
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0)
  const sorted = [...per].sort((a, b) => sum(b[1]) - sum(a[1]))
  const out: Series[] = sorted.slice(0, TOP).map(([name, values]) => ({ name, values }))
  if (sorted.length > TOP) {
    const other = Array(24).fill(0)
    for (const [, v] of sorted.slice(TOP)) v.forEach((x, i) => (other[i] += x))
    out.push({ name: 'other', values: other })
  }
  return out
}
