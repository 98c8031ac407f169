import type { Usage } from '../hub/response'
import { roundCost } from './usage-totals'

/** A model's prices in US dollars per million tokens (the model table's). */
export interface ModelPrices {
  inputPerMTok: number
  outputPerMTok: number
  /** Cached input (a prompt-cache hit); billed at the input price when the table has none. */
  cachedInputPerMTok?: number
}

/**
 * What one exchange cost: uncached input at the input price, cached input at its own, output
 * (reasoning included, as every provider bills it) at the output price. `inputTokens` counts the
 * cached part, as OpenAI does; null without prices.
 */
export function costUsd(usage: Usage | undefined, prices: ModelPrices | undefined): number | null {
  if (!prices) return null
  if (!usage) return 0
  const cached = Math.min(usage.cacheReadTokens ?? 0, usage.inputTokens)
  const uncached = usage.inputTokens - cached
  const dollars =
    (uncached * prices.inputPerMTok + cached * (prices.cachedInputPerMTok ?? prices.inputPerMTok) + usage.outputTokens * prices.outputPerMTok) / 1e6
  return roundCost(dollars)
}
