import type { FinishReason } from '../../hub/response'

/**
 * Gemini `finishReason` → hub. Gemini says STOP when the turn ends in function
 * calls, so a STOP with calls is `tool_calls`. A missing reason (a candidate
 * still streaming) reads as stop.
 */
export function finishReasonFromGemini(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case null:
    case undefined:
    case 'STOP':
      return hasToolCalls ? 'tool_calls' : 'stop'
    case 'MAX_TOKENS':
      return 'length'
    case 'SAFETY':
    case 'RECITATION':
    case 'LANGUAGE':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter'
    // The model tried to call a function and failed (bad call, undeclared tool,
    // too many calls, or a history without its thought signatures).
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'TOO_MANY_TOOL_CALLS':
    case 'MISSING_THOUGHT_SIGNATURE':
    case 'MALFORMED_RESPONSE':
      return 'error'
    default:
      // OTHER, FINISH_REASON_UNSPECIFIED, IMAGE_OTHER, NO_IMAGE, and reasons yet to come.
      return 'other'
  }
}

export type GeminiFinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'OTHER'

/** Hub → Gemini `finishReason`. Gemini has no tool-call reason: a turn ending in calls is STOP. */
export function finishReasonToGemini(reason: FinishReason): GeminiFinishReason {
  switch (reason) {
    case 'stop':
    case 'tool_calls':
      return 'STOP'
    case 'length':
      return 'MAX_TOKENS'
    case 'content_filter':
      return 'SAFETY'
    default:
      return 'OTHER'
  }
}
