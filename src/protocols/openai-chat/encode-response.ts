import { idInStyle } from '../../hub/ids'
import type { HubRequest, RedactedThinkingPart, ThinkingPart, ToolCallPart } from '../../hub/request'
import type { HubResponse } from '../../hub/response'
import { toOpenAIFinishReason } from './map-finish-reason'
import { partsToReasoningDetails } from './reasoning-details'
import { encodeUsage } from './usage'

/**
 * Reasoning for a Chat Completions client: the text as `reasoning_content`
 * (DeepSeek's field, read by most clients), plus `reasoning_details` (OpenRouter's
 * form) when there is something plain text cannot carry: a signature or an
 * encrypted block, which the client must send back unchanged.
 */
export function reasoningFields(parts: ReadonlyArray<ThinkingPart | RedactedThinkingPart>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const text = parts.filter((p): p is ThinkingPart => p.type === 'thinking').map((p) => p.text).join('')
  if (text) out.reasoning_content = text
  if (parts.some((p) => p.type === 'redacted_thinking' || p.signature !== undefined))
    out.reasoning_details = partsToReasoningDetails(parts)
  return out
}

/** HubResponse → the chat.completion body a Chat Completions client expects. */
export function encodeResponse(res: HubResponse, _req: HubRequest): unknown {
  const text: string[] = []
  const calls: ToolCallPart[] = []
  const reasoning: Array<ThinkingPart | RedactedThinkingPart> = []
  for (const part of res.content) {
    if (part.type === 'text') text.push(part.text)
    else if (part.type === 'tool_call') calls.push(part)
    else if (part.type === 'thinking' || part.type === 'redacted_thinking') reasoning.push(part)
    // Native parts from other protocols (server tool blocks and the like) have no place here.
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: text.length ? text.join('') : null,
    refusal: null,
  }
  if (calls.length) {
    message.tool_calls = calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }))
  }
  Object.assign(message, reasoningFields(reasoning))
  return {
    id: idInStyle(res.id, 'chatcmpl-'),
    object: 'chat.completion',
    created: res.created ?? Math.floor(Date.now() / 1000),
    model: res.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toOpenAIFinishReason(res.finishReason) }],
    usage: encodeUsage(res.usage),
  }
}
