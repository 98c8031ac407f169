import type { HubResponse } from './response'
import type { HubStreamEvent } from './stream'

/**
 * A finished response as the stream events that would have produced it. Used
 * when a client asked for a stream and the upstream answered with one body.
 */
export function responseToEvents(res: HubResponse): HubStreamEvent[] {
  const events: HubStreamEvent[] = [{ type: 'start', id: res.id, model: res.model, created: res.created }]
  let tool = 0
  for (const part of res.content) {
    if (part.type === 'text') events.push({ type: 'text_delta', text: part.text })
    else if (part.type === 'thinking') events.push({ type: 'thinking_delta', text: part.text, signature: part.signature, format: part.format, ...(part.id ? { id: part.id } : {}) })
    else if (part.type === 'redacted_thinking') events.push({ type: 'redacted_thinking', data: part.data, format: part.format, ...(part.id ? { id: part.id } : {}) })
    else if (part.type === 'tool_call') {
      const index = tool++
      events.push({
        type: 'tool_call_start',
        index,
        id: part.id,
        name: part.name,
        ...(part.kind ? { kind: part.kind } : {}),
        ...(part.signature ? { signature: part.signature } : {}),
        ...(part.namespace ? { namespace: part.namespace } : {}),
      })
      if (part.arguments) events.push({ type: 'tool_call_delta', index, argumentsDelta: part.arguments })
      events.push({ type: 'tool_call_end', index })
    }
  }
  events.push({ type: 'finish', reason: res.finishReason, stopSequence: res.stopSequence, usage: res.usage })
  return events
}
