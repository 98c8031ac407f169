import type { Usage } from '../../hub/response'

/**
 * Anthropic's usage counters. `input_tokens` EXCLUDES cached prompt tokens: the
 * whole prompt is input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
 * The hub's `inputTokens` counts the whole prompt (OpenAI's `prompt_tokens` meaning).
 */
export interface AnthropicUsage {
  input_tokens?: number | null
  output_tokens?: number | null
  cache_read_input_tokens?: number | null
  cache_creation_input_tokens?: number | null
  output_tokens_details?: { thinking_tokens?: number | null } | null
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

export function usageFromAnthropic(u: AnthropicUsage | null | undefined): Usage {
  const input = num(u?.input_tokens) ?? 0
  const cacheRead = num(u?.cache_read_input_tokens)
  const cacheWrite = num(u?.cache_creation_input_tokens)
  const usage: Usage = {
    inputTokens: input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: num(u?.output_tokens) ?? 0,
  }
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite
  const reasoning = num(u?.output_tokens_details?.thinking_tokens)
  if (reasoning !== undefined) usage.reasoningTokens = reasoning
  return usage
}

/** Hub usage → Anthropic's four counters; input_tokens never double counts cache and is never negative. */
export function usageToAnthropic(u: Usage | undefined): {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
} {
  const cacheRead = u?.cacheReadTokens ?? 0
  const cacheWrite = u?.cacheWriteTokens ?? 0
  return {
    input_tokens: Math.max(0, (u?.inputTokens ?? 0) - cacheRead - cacheWrite),
    output_tokens: u?.outputTokens ?? 0,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  }
}

/**
 * Streaming: message_start carries the first counters, each message_delta the
 * cumulative totals so far. output_tokens always replaces; the other counters
 * replace only when present (they are omitted when they do not apply).
 */
export function mergeAnthropicUsage(prev: AnthropicUsage, next: AnthropicUsage | null | undefined): AnthropicUsage {
  if (!next) return prev
  const out: AnthropicUsage = { ...prev }
  for (const key of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
    const v = num(next[key])
    if (v !== undefined) out[key] = v
  }
  if (next.output_tokens_details) out.output_tokens_details = next.output_tokens_details
  return out
}
