import type { Usage } from '../../hub/response'

/**
 * Gemini's `usageMetadata`. `promptTokenCount` includes `cachedContentTokenCount`;
 * `candidatesTokenCount` EXCLUDES `thoughtsTokenCount`; `toolUsePromptTokenCount`
 * counts the prompt of server-side tools (search results and the like), outside
 * promptTokenCount. totalTokenCount = prompt + toolUsePrompt + candidates + thoughts.
 */
export interface GeminiUsage {
  promptTokenCount?: number | null
  cachedContentTokenCount?: number | null
  candidatesTokenCount?: number | null
  toolUsePromptTokenCount?: number | null
  thoughtsTokenCount?: number | null
  totalTokenCount?: number | null
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/**
 * usageMetadata → hub usage: input = prompt + tool-use prompt, output =
 * candidates + thoughts (the hub's outputTokens includes reasoning), so that
 * input + output = Gemini's total.
 */
export function usageFromGemini(u: GeminiUsage | null | undefined): Usage {
  const thoughts = num(u?.thoughtsTokenCount)
  const usage: Usage = {
    inputTokens: (num(u?.promptTokenCount) ?? 0) + (num(u?.toolUsePromptTokenCount) ?? 0),
    outputTokens: (num(u?.candidatesTokenCount) ?? 0) + (thoughts ?? 0),
  }
  const cached = num(u?.cachedContentTokenCount)
  if (cached !== undefined) usage.cacheReadTokens = cached
  if (thoughts !== undefined) usage.reasoningTokens = thoughts
  return usage
}

/** Hub usage → usageMetadata; thoughts are split back out of the output count. */
export function usageToGemini(u: Usage | undefined): Record<string, number> {
  const input = u?.inputTokens ?? 0
  const output = u?.outputTokens ?? 0
  const thoughts = Math.min(u?.reasoningTokens ?? 0, output)
  const out: Record<string, number> = {
    promptTokenCount: input,
    candidatesTokenCount: output - thoughts,
    totalTokenCount: input + output,
  }
  if (thoughts > 0) out.thoughtsTokenCount = thoughts
  if (u?.cacheReadTokens) out.cachedContentTokenCount = u.cacheReadTokens
  return out
}
