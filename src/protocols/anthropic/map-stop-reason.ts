import type { FinishReason } from '../../hub/response'

/**
 * Anthropic `stop_reason` → hub FinishReason.
 *   end_turn, stop_sequence → stop · max_tokens, model_context_window_exceeded → length ·
 *   tool_use → tool_calls · refusal → content_filter · pause_turn → pause.
 * Missing (null) reads as stop; an unknown value as other.
 */
export function finishReasonFromAnthropic(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case null:
    case undefined:
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    case 'pause_turn':
      return 'pause'
    default:
      return 'other'
  }
}

export type AnthropicStopReason = 'end_turn' | 'stop_sequence' | 'max_tokens' | 'tool_use' | 'refusal' | 'pause_turn'

/** Hub FinishReason → Anthropic `stop_reason`; `stop` with a stop sequence is `stop_sequence`. */
export function finishReasonToAnthropic(reason: FinishReason, stopSequence?: string): AnthropicStopReason {
  switch (reason) {
    case 'stop':
      return stopSequence ? 'stop_sequence' : 'end_turn'
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    case 'pause':
      return 'pause_turn'
    case 'error':
    case 'other':
      return 'end_turn'
  }
}
