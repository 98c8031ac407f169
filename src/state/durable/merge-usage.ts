import { roundCost } from '../../resilience/usage-totals'
import type { UsageRow } from '../ports'

/** Adds up rows of the same group from several ledgers, in sumUsage's order (most requests first, then by name). */
export function mergeUsage(parts: UsageRow[][]): UsageRow[] {
  const rows = new Map<string, UsageRow>()
  for (const part of parts)
    for (const r of part) {
      const row = rows.get(r.group)
      if (!row) {
        rows.set(r.group, { ...r })
        continue
      }
      row.requests += r.requests
      row.errors += r.errors
      row.input_tokens += r.input_tokens
      row.output_tokens += r.output_tokens
      row.cached_input_tokens += r.cached_input_tokens
      row.reasoning_tokens += r.reasoning_tokens
      if (r.cost_usd !== null) row.cost_usd = roundCost((row.cost_usd ?? 0) + r.cost_usd)
    }
  return [...rows.values()].sort((a, b) => b.requests - a.requests || (a.group < b.group ? -1 : 1))
}
