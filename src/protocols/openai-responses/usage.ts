import type { Usage } from '../../hub/response'
import { isObj, num } from './wire'

/**
 * Responses `usage` → hub Usage. `input_tokens` already counts cached tokens
 * (`input_tokens_details.cached_tokens` is a part of it), and `output_tokens`
 * counts reasoning tokens: both are the hub's meanings, so nothing is added.
 */
export function decodeUsage(raw: unknown): Usage | undefined {
  if (!isObj(raw)) return undefined
  const input = isObj(raw.input_tokens_details) ? raw.input_tokens_details : {}
  const output = isObj(raw.output_tokens_details) ? raw.output_tokens_details : {}
  const usage: Usage = { inputTokens: num(raw.input_tokens) ?? 0, outputTokens: num(raw.output_tokens) ?? 0 }
  const cached = num(input.cached_tokens)
  if (cached !== undefined) usage.cacheReadTokens = cached
  const written = num(input.cache_write_tokens)
  if (written !== undefined) usage.cacheWriteTokens = written
  const reasoning = num(output.reasoning_tokens)
  if (reasoning !== undefined) usage.reasoningTokens = reasoning
  return usage
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 }

/** Hub Usage → Responses `usage`. */
export function encodeUsage(usage: Usage) {
  const inputDetails: Record<string, number> = { cached_tokens: usage.cacheReadTokens ?? 0 }
  if (usage.cacheWriteTokens !== undefined) inputDetails.cache_write_tokens = usage.cacheWriteTokens
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: inputDetails,
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  }
}
