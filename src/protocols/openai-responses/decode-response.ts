import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { ContentPart } from '../../hub/request'
import type { HubResponse } from '../../hub/response'
import { argumentsText } from '../openai-chat/decode-response'
import { errorFromPayload } from './errors'
import { finishFromStatus } from './map-status'
import { callName } from './namespaces'
import { thinkingFromUpstream } from './reasoning'
import { decodeUsage, ZERO_USAGE } from './usage'
import { isObj, outputItemLabel, PROTOCOL, str, type Obj } from './wire'

/**
 * Output items → hub parts, in order: reasoning → thinking, message → text
 * (a refusal too, flagged), function_call / custom_tool_call → tool calls, and
 * anything else (web_search_call, mcp_call, compaction …) → a native part that
 * only a Responses client gets back.
 */
export function outputToParts(output: readonly Obj[]): { content: ContentPart[]; refused: boolean } {
  const content: ContentPart[] = []
  let refused = false
  for (const item of output) {
    switch (item.type) {
      case 'reasoning': {
        const thinking = thinkingFromUpstream(item)
        if (thinking) content.push(thinking)
        break
      }
      case 'message':
        for (const part of Array.isArray(item.content) ? item.content.filter(isObj) : []) {
          if (part.type === 'output_text' && str(part.text)) content.push({ type: 'text', text: part.text as string })
          else if (part.type === 'refusal' && str(part.refusal)) {
            refused = true
            content.push({ type: 'text', text: part.refusal as string })
          }
        }
        break
      case 'function_call':
        content.push({
          type: 'tool_call',
          id: str(item.call_id) || str(item.id) || newId('call_'),
          ...callName(item.namespace, str(item.name) ?? ''),
          arguments: argumentsText(item.arguments),
        })
        break
      case 'custom_tool_call':
        content.push({
          type: 'tool_call',
          id: str(item.call_id) || str(item.id) || newId('call_'),
          ...callName(item.namespace, str(item.name) ?? ''),
          arguments: str(item.input) ?? '',
          kind: 'custom',
        })
        break
      default:
        content.push({ type: 'native', protocol: PROTOCOL, label: outputItemLabel(String(item.type)), raw: item })
    }
  }
  return { content, refused }
}

/** A response object from an upstream → HubResponse. A failed response (or an error body) is thrown as its error. */
export function decodeResponse(body: unknown): HubResponse {
  if (!isObj(body)) throw new GatewayError('bad_gateway', 'The upstream answered with something that is not a response object.')
  if (isObj(body.error)) {
    throw errorFromPayload(body) ?? new GatewayError('api_error', 'The upstream reported an error.', { upstream: true })
  }
  const output = Array.isArray(body.output) ? body.output.filter(isObj) : []
  const { content, refused } = outputToParts(output)
  const incomplete = isObj(body.incomplete_details) ? body.incomplete_details.reason : undefined
  const hasToolCalls = content.some((p) => p.type === 'tool_call')
  const res: HubResponse = {
    id: str(body.id) || newId('resp_'),
    model: str(body.model) ?? '',
    content,
    finishReason: refused ? 'content_filter' : finishFromStatus(body.status, incomplete, hasToolCalls),
    usage: decodeUsage(body.usage) ?? { ...ZERO_USAGE },
  }
  if (typeof body.created_at === 'number') res.created = body.created_at
  return res
}
