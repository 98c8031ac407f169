import { hash32 } from './key-pool'

/**
 * What ties requests of one conversation together, for keeping them on one
 * upstream key (the interactive layer gives sessions their full meaning):
 * the `x-session-id` header; else what the client already sends (Codex's
 * `session_id` header or `prompt_cache_key`, the session part of Claude Code's
 * `metadata.user_id`); else the client's name plus a fingerprint of the
 * conversation's first message.
 */
export function sessionKey(headers: Headers, body: Record<string, unknown>, client: string): string {
  const explicit = headers.get('x-session-id') ?? headers.get('session_id')
  if (explicit) return `h:${explicit}`
  if (typeof body.prompt_cache_key === 'string') return `p:${body.prompt_cache_key}`
  const userId = (body.metadata as { user_id?: unknown } | undefined)?.user_id
  if (typeof userId === 'string') {
    const at = userId.indexOf('_session_')
    return `u:${at === -1 ? userId : userId.slice(at + 9)}`
  }
  return `f:${client}:${hash32(firstMessage(body))}`
}

/** The conversation's first message (Chat, Messages), input item (Responses) or content (Gemini), as text. */
function firstMessage(body: Record<string, unknown>): string {
  const list = body.messages ?? body.contents ?? body.input
  const first = Array.isArray(list) ? list.find((m) => (m as { role?: string })?.role !== 'system' && (m as { role?: string })?.role !== 'developer') : list
  const text = typeof first === 'string' ? first : JSON.stringify(first ?? '')
  return text.length > 4096 ? text.slice(0, 4096) : text
}
