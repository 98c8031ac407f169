import type { HubRequest } from './request'
import { invalidRequest } from './errors'

/**
 * Every upstream refuses a history whose tool calls are not answered, or whose
 * tool results answer nothing. Catch both here, with a 400 that says which
 * message is wrong, rather than passing on an upstream's puzzling error.
 *
 * A call is answered when a tool result with its id appears in a later message
 * before the next assistant turn. The final assistant turn may hold unanswered
 * calls only if it is the last message (a prefill); no upstream accepts that
 * either, so it is refused too.
 */
export function checkToolHistory(req: HubRequest): void {
  const pending = new Map<string, number>() // call id → message index
  const seen = new Set<string>()
  req.messages.forEach((msg, i) => {
    if (msg.role === 'assistant') {
      failIfPending(pending)
      for (const part of msg.content)
        if (part.type === 'tool_call') {
          if (seen.has(part.id))
            throw invalidRequest(`messages[${i}]: tool call id "${part.id}" is used twice in this conversation.`, `messages[${i}]`)
          seen.add(part.id)
          pending.set(part.id, i)
        }
      return
    }
    for (const part of msg.content)
      if (part.type === 'tool_result') {
        if (!pending.has(part.toolCallId))
          throw invalidRequest(
            seen.has(part.toolCallId)
              ? `messages[${i}]: tool result for "${part.toolCallId}" answers a call that was already answered.`
              : `messages[${i}]: tool result for "${part.toolCallId}" answers no tool call of the preceding assistant turn.`,
            `messages[${i}]`,
          )
        pending.delete(part.toolCallId)
      }
  })
  failIfPending(pending)
}

function failIfPending(pending: Map<string, number>): void {
  for (const [id, at] of pending)
    throw invalidRequest(
      `messages[${at}]: tool call "${id}" has no tool result. Send a tool message (OpenAI) or tool_result block (Anthropic) answering it before continuing.`,
      `messages[${at}]`,
    )
}
