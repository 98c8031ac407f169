import { GatewayError } from '../../hub/errors'
import type { ContentPart } from '../../hub/request'
import type { HubResponse } from '../../hub/response'
import { PROTOCOL } from './decode-request'
import { kindForAnthropicType } from './errors'
import { finishReasonFromAnthropic } from './map-stop-reason'
import { usageFromAnthropic, type AnthropicUsage } from './usage'

interface AnthropicMessageBody {
  id?: unknown
  type?: unknown
  model?: unknown
  content?: unknown
  stop_reason?: string | null
  stop_sequence?: string | null
  usage?: AnthropicUsage
  error?: { type?: unknown; message?: unknown }
}

/**
 * An Anthropic message body → HubResponse. Server-side blocks the hub does not
 * model (server_tool_use, *_tool_result, mcp_*, compaction, fallback …) become
 * native parts; they never make decoding fail.
 */
export function decodeResponse(body: unknown): HubResponse {
  if (!body || typeof body !== 'object') throw notAMessage()
  const msg = body as AnthropicMessageBody
  if (msg.type === 'error' && msg.error) {
    const message = typeof msg.error.message === 'string' ? msg.error.message : 'Upstream error.'
    throw new GatewayError(kindForAnthropicType(msg.error.type), message, { upstream: true })
  }
  if (!Array.isArray(msg.content)) throw notAMessage()

  const response: HubResponse = {
    id: typeof msg.id === 'string' ? msg.id : '',
    model: typeof msg.model === 'string' ? msg.model : '',
    content: msg.content.flatMap((block) => decodeResponseBlock(block)),
    finishReason: finishReasonFromAnthropic(msg.stop_reason),
    usage: usageFromAnthropic(msg.usage),
  }
  if (msg.stop_reason === 'stop_sequence' && typeof msg.stop_sequence === 'string')
    response.stopSequence = msg.stop_sequence
  return response
}

/** One response content block → hub parts (none for a malformed one). */
export function decodeResponseBlock(block: unknown): ContentPart[] {
  if (!block || typeof block !== 'object') return []
  const b = block as Record<string, unknown>
  switch (b.type) {
    case 'text':
      return typeof b.text === 'string' ? [{ type: 'text', text: b.text }] : []
    case 'thinking': {
      const text = typeof b.thinking === 'string' ? b.thinking : ''
      return typeof b.signature === 'string'
        ? [{ type: 'thinking', text, signature: b.signature, format: 'anthropic-claude-v1' }]
        : [{ type: 'thinking', text }]
    }
    case 'redacted_thinking':
      return typeof b.data === 'string' ? [{ type: 'redacted_thinking', data: b.data, format: 'anthropic-claude-v1' }] : []
    case 'tool_use':
      if (typeof b.id === 'string' && typeof b.name === 'string')
        return [{ type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) }]
      break
  }
  const type = typeof b.type === 'string' ? b.type : 'unknown'
  return [{ type: 'native', protocol: PROTOCOL, label: `content block "${type}"`, raw: block }]
}

function notAMessage(): GatewayError {
  return new GatewayError('bad_gateway', 'The upstream answered with something that is not an Anthropic message.', {
    upstream: true,
  })
}
