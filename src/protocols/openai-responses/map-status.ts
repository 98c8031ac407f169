import type { FinishReason } from '../../hub/response'

export type ResponseStatus = 'completed' | 'incomplete' | 'failed'
export type IncompleteDetails = { reason: 'max_output_tokens' | 'content_filter' } | null

/**
 * A response's `status` (and `incomplete_details.reason`) → hub finish reason.
 * A completed turn that called tools ends in `tool_calls`: the client must run them.
 */
export function finishFromStatus(status: unknown, incompleteReason: unknown, hasToolCalls: boolean): FinishReason {
  switch (status) {
    case 'incomplete':
      if (incompleteReason === 'max_output_tokens') return 'length'
      if (incompleteReason === 'content_filter') return 'content_filter'
      return 'other'
    case 'failed':
      return 'error'
    case 'cancelled':
      return 'other'
    default:
      // completed, or a host that leaves status out
      return hasToolCalls ? 'tool_calls' : 'stop'
  }
}

/** Hub finish reason → `status` and `incomplete_details`. Responses has no pause: a paused turn reads as completed. */
export function statusFromFinish(reason: FinishReason): { status: ResponseStatus; incomplete_details: IncompleteDetails } {
  switch (reason) {
    case 'length':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }
    case 'content_filter':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }
    case 'error':
      return { status: 'failed', incomplete_details: null }
    default:
      return { status: 'completed', incomplete_details: null }
  }
}
