import { parseToolArguments } from '../../hub/json'
import { idInStyle } from '../../hub/ids'
import { wrapSignature } from '../../hub/signature-envelope'
import type { ContentPart, HubRequest } from '../../hub/request'
import type { HubResponse } from '../../hub/response'
import { PROTOCOL } from './decode-request'
import { finishReasonToAnthropic } from './map-stop-reason'
import { usageToAnthropic } from './usage'

const OWN = 'anthropic-claude-v1'

/** HubResponse → the Anthropic message JSON a Messages API client expects. */
export function encodeResponse(res: HubResponse, req: HubRequest) {
  return {
    id: idInStyle(res.id, 'msg_'),
    type: 'message' as const,
    role: 'assistant' as const,
    model: res.model || req.model,
    content: res.content.flatMap(encodeResponseBlock),
    stop_reason: finishReasonToAnthropic(res.finishReason, res.stopSequence),
    stop_sequence: res.stopSequence ?? null,
    usage: usageToAnthropic(res.usage),
  }
}

/**
 * One hub part → Anthropic response blocks. Empty text is dropped; tool call ids
 * are kept as they are (an OpenAI `call_…` id must round-trip); native parts of
 * other protocols, and parts a response cannot hold, are left out.
 */
export function encodeResponseBlock(part: ContentPart): unknown[] {
  switch (part.type) {
    case 'text':
      return part.text === '' ? [] : [{ type: 'text', text: part.text }]
    case 'thinking':
      return [{ type: 'thinking', thinking: part.text, signature: part.signature ? wrapSignature(part.signature, part.format, OWN) : '' }]
    case 'redacted_thinking':
      return [{ type: 'redacted_thinking', data: wrapSignature(part.data, part.format, OWN) }]
    case 'tool_call':
      return [{ type: 'tool_use', id: part.id, name: part.name, input: parseToolArguments(part.arguments) }]
    case 'native':
      return part.protocol === PROTOCOL ? [part.raw] : []
    default:
      return []
  }
}
