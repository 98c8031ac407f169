import type { UsageQuery, UsageRecord, UsageRow } from '../state/ports'

/** The group a record falls in. */
export function groupOf(r: UsageRecord, by: UsageQuery['groupBy']): string {
  switch (by) {
    case 'client':
      return r.client
    case 'backend':
      return r.backend
    case 'model':
      return `${r.backend}:${r.model}`
    case 'day':
      return new Date(r.at).toISOString().slice(0, 10)
  }
}

export function matches(r: UsageRecord, q: UsageQuery): boolean {
  return (q.since === undefined || r.at >= q.since) && (q.client === undefined || r.client === q.client)
}

/** Totals per group, largest first by requests then by name; cost is null where no record of the group had a price. */
export function sumUsage(records: Iterable<UsageRecord>, q: UsageQuery): UsageRow[] {
  const rows = new Map<string, UsageRow>()
  for (const r of records) {
    if (!matches(r, q)) continue
    const g = groupOf(r, q.groupBy)
    let row = rows.get(g)
    if (!row) {
      row = { group: g, requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: null }
      rows.set(g, row)
    }
    row.requests++
    if (r.status >= 400) row.errors++
    row.input_tokens += r.inputTokens
    row.output_tokens += r.outputTokens
    row.cached_input_tokens += r.cachedInputTokens
    row.reasoning_tokens += r.reasoningTokens
    if (r.costUsd !== null) row.cost_usd = roundCost((row.cost_usd ?? 0) + r.costUsd)
  }
  return [...rows.values()].sort((a, b) => b.requests - a.requests || (a.group < b.group ? -1 : 1))
}

/** Micro-dollars: sums of floats stay readable. */
export const roundCost = (x: number) => Math.round(x * 1e6) / 1e6
