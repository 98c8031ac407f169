import type { ContentPart, HubRequest } from '../hub/request'
import type { Redactor } from '../security/redactor'
import type { Interceptor, RequestTurn } from './types'

/** What a key found in a prompt is replaced with. */
export const KEY_REDACTED = '(API_KEY_HAS_BEEN_REDACTED)'

/**
 * Removes the gateway's own secrets (every upstream key, the client keys, the
 * admin key: the runtime's redactor, see src/security/secrets.ts) from the text
 * a request sends upstream: system text, user and assistant text, tool results
 * and tool call arguments. Each is matched as written, JSON-escaped and
 * URL-encoded; secrets shorter than 8 characters are not looked for.
 *
 * Cost: the client's body as sent is scanned once (one native indexOf per
 * secret's rarest character); only a body that holds a key is decoded and
 * walked. Thinking is left alone (its signature covers its text), and so is
 * everything that is not message text (tool definitions, metadata).
 *
 * On by default: REDACT_API_KEYS_IN_PROMPTS, `!/set(redact-api-keys-in-prompts=false)`.
 */
export const redactKeysInPrompts: Interceptor = {
  name: 'redact-keys-in-prompts',
  does: 'replaces any configured upstream or client key in outbound message text with (API_KEY_HAS_BEEN_REDACTED)',
  request(turn: RequestTurn) {
    const redactor = turn.rt.redactor
    if (!redactor?.active || !turn.on('redact-api-keys-in-prompts') || !redactor.has(turn.text)) return
    const count = redactRequest(turn.hub(), redactor)
    if (count === 0) return
    turn.changed()
    turn.warn(`redact-keys-in-prompts: ${count === 1 ? 'an API key was' : `${count} API keys were`} removed from the prompt before it was sent upstream`)
  },
}

/** Replaces the secrets in a hub request's message text in place; how many were replaced. */
export function redactRequest(req: HubRequest, redactor: Redactor): number {
  let count = 0
  const clean = (s: string): string => {
    const r = redactor.replace(s, KEY_REDACTED)
    count += r.count
    return r.text
  }
  for (const part of req.system) part.text = clean(part.text)
  for (const m of req.messages) for (const part of m.content) redactPart(part, clean)
  return count
}

function redactPart(part: ContentPart, clean: (s: string) => string): void {
  switch (part.type) {
    case 'text':
      part.text = clean(part.text)
      return
    case 'tool_call':
      part.arguments = clean(part.arguments)
      return
    case 'tool_result':
      if (typeof part.content === 'string') part.content = clean(part.content)
      else for (const p of part.content) if (p.type === 'text') p.text = clean(p.text)
      return
  }
}
