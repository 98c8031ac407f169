import type { FinishReason } from '../../hub/response'

/** Chat Completions `finish_reason` → hub. Also accepts what some compatible hosts send. */
export function fromOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn':
    case 'stop_sequence':
    case 'eos':
      return 'stop'
    case 'length':
    case 'max_tokens':
      return 'length'
    case 'tool_calls':
    case 'function_call': // legacy
    case 'tool_use':
      return 'tool_calls'
    case 'content_filter':
      return 'content_filter'
    case 'error':
      return 'error'
    default:
      return 'other'
  }
}

/** Hub → Chat Completions `finish_reason`. Chat Completions has no pause or error reason: both read as stop. */
export function toOpenAIFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  switch (reason) {
    case 'length':
      return 'length'
    case 'tool_calls':
      return 'tool_calls'
    case 'content_filter':
      return 'content_filter'
    default:
      return 'stop'
  }
}
