import type { Usage } from '../../hub/response'

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {}

/**
 * Chat Completions `usage` → hub Usage. `prompt_tokens` already counts cached
 * tokens (`prompt_tokens_details.cached_tokens` is a part of it), which is what
 * the hub's inputTokens means, so nothing is added. DeepSeek reports the cached
 * part as `prompt_cache_hit_tokens` instead.
 */
export function decodeUsage(raw: unknown): Usage | undefined {
  if (!raw || typeof raw !== 'object') return undefined
  const u = obj(raw)
  const prompt = obj(u.prompt_tokens_details)
  const completion = obj(u.completion_tokens_details)
  const usage: Usage = { inputTokens: num(u.prompt_tokens) ?? 0, outputTokens: num(u.completion_tokens) ?? 0 }
  const cacheRead = num(prompt.cached_tokens) ?? num(u.prompt_cache_hit_tokens)
  if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead
  const cacheWrite = num(prompt.cache_write_tokens)
  if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite
  const reasoning = num(completion.reasoning_tokens)
  if (reasoning !== undefined) usage.reasoningTokens = reasoning
  return usage
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 }

/** Hub Usage → Chat Completions `usage` (prompt_tokens already includes the cached part). */
export function encodeUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  }
}
