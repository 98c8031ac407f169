import type { ContentPart } from './request'

/**
 * Token counts. `inputTokens` counts every prompt token, cached ones included
 * (OpenAI's `prompt_tokens` meaning); `cacheReadTokens` and `cacheWriteTokens`
 * are parts of it. `outputTokens` includes `reasoningTokens`.
 */
export interface Usage {
  inputTokens: number
  outputTokens: number
  cacheReadTokens?: number
  cacheWriteTokens?: number
  reasoningTokens?: number
}

export type FinishReason =
  | 'stop' // natural end, or a stop sequence (see stopSequence)
  | 'length' // max tokens reached
  | 'tool_calls' // the model wants tool results
  | 'content_filter' // refused or filtered
  | 'pause' // Anthropic pause_turn: the turn may be continued
  | 'error'
  | 'other'

export interface HubResponse {
  id: string
  model: string
  content: ContentPart[]
  finishReason: FinishReason
  /** The stop sequence that ended generation, when one did. */
  stopSequence?: string
  usage: Usage
  /** Unix seconds. */
  created?: number
}
