import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { ContentPart } from '../../hub/request'
import type { FinishReason, HubResponse } from '../../hub/response'
import { errorFromPayload } from './errors'
import { fromOpenAIFinishReason } from './map-finish-reason'
import { reasoningDetailsToParts, type ReasoningDetailLike } from './reasoning-details'
import { decodeUsage, ZERO_USAGE } from './usage'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** Tool-call arguments as text; a few hosts send an object instead of a JSON string. */
export function argumentsText(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined || v === null) return ''
  return JSON.stringify(v)
}

/** Reasoning in any of the three places hosts put it: reasoning_details, reasoning_content, reasoning. */
function reasoningParts(message: Obj): ContentPart[] {
  const details = Array.isArray(message.reasoning_details)
    ? (message.reasoning_details.filter(isObj) as unknown as ReasoningDetailLike[])
    : []
  const parts = details.length ? reasoningDetailsToParts(details) : []
  if (parts.length) return parts
  const plain = str(message.reasoning_content) || str(message.reasoning)
  return plain ? [{ type: 'thinking', text: plain }] : []
}

/** A chat.completion body from an upstream → HubResponse. */
export function decodeResponse(body: unknown): HubResponse {
  if (!isObj(body)) throw new GatewayError('bad_gateway', 'The upstream answered with something that is not a chat completion.')
  if (body.error !== undefined && body.error !== null) {
    throw errorFromPayload(body) ?? new GatewayError('bad_gateway', 'The upstream reported an error.', { upstream: true })
  }
  const choices = Array.isArray(body.choices) ? body.choices.filter(isObj) : []
  const choice = choices.find((c) => c.index === 0) ?? choices[0]
  if (!choice) throw new GatewayError('bad_gateway', 'The upstream response had no choices.')
  const message = isObj(choice.message) ? choice.message : {}

  const content: ContentPart[] = reasoningParts(message)
  if (typeof message.content === 'string') {
    if (message.content !== '') content.push({ type: 'text', text: message.content })
  } else if (Array.isArray(message.content)) {
    // Some hosts (Mistral) answer with content parts.
    for (const part of message.content)
      if (isObj(part) && part.type === 'text' && typeof part.text === 'string') content.push({ type: 'text', text: part.text })
  }
  const refusal = str(message.refusal)
  if (refusal) content.push({ type: 'text', text: refusal })

  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObj) : []
  for (const call of calls) {
    const fn = isObj(call.function) ? call.function : {}
    content.push({
      type: 'tool_call',
      id: str(call.id) || newId('call_'),
      name: str(fn.name) ?? '',
      arguments: argumentsText(fn.arguments),
    })
  }
  if (isObj(message.function_call)) {
    const fn = message.function_call
    content.push({ type: 'tool_call', id: newId('call_'), name: str(fn.name) ?? '', arguments: argumentsText(fn.arguments) })
  }

  const rawReason = str(choice.finish_reason)
  let finishReason: FinishReason = rawReason ? fromOpenAIFinishReason(rawReason) : 'stop'
  if (refusal) finishReason = 'content_filter'
  // Some hosts say `stop` even when the turn ends in tool calls; the client must still run them.
  else if (finishReason === 'stop' && content.some((p) => p.type === 'tool_call')) finishReason = 'tool_calls'

  const res: HubResponse = {
    id: str(body.id) || newId('chatcmpl-'),
    model: str(body.model) ?? '',
    content,
    finishReason,
    usage: decodeUsage(body.usage) ?? { ...ZERO_USAGE },
  }
  if (typeof body.created === 'number') res.created = body.created
  return res
}
