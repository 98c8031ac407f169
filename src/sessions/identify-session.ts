import type { ProtocolId } from '../protocols/types'
import { hash64 } from './hash64'

/**
 * Which conversation a request belongs to, from what the client already sends.
 * In order, the first that is present wins:
 *
 *   source        where                                                     who sends it
 *   header        `x-session-id`                                            any client that wants to say (opencode does)
 *   claude-code   `x-claude-code-session-id`, or the session part of         Claude Code
 *                 `metadata.user_id` (`user_…_account_…_session_<uuid>`,
 *                 or newer versions' JSON string `{"session_id":…}`)
 *   codex         `session_id` / `session-id` header, else `prompt_cache_key` Codex (both carry the same id)
 *   gemini-cli    the session part of `user_prompt_id` (`<session>########<n>`), Gemini CLI (Code Assist shape;
 *                 or a `session_id` in the body / its `request`                  v1beta requests carry no id)
 *   openai-user   `user`, else `safety_identifier`                          OpenAI Chat / Responses clients
 *   anthropic-user a `metadata.user_id` without a session part             Anthropic Messages clients
 *   fingerprint   a 64-bit hash of the conversation's first user message    everyone else
 *
 * A client sending the same id in two places (Claude Code's header and its
 * metadata; Codex's header and prompt_cache_key) gets the same source for both,
 * so a request that lacks one of them still lands in the same session. The
 * fingerprint is stable while the client resends its history from the start; a
 * client that compacts (rewrites) its history starts a new session.
 *
 * Nothing here decodes the request: the body is looked at as parsed JSON, and
 * only the first user message's text is read.
 */
export interface SessionIdentity {
  /** The client-side id (or the fingerprint, as hex). */
  key: string
  /** Where it came from (see the table above). */
  source: string
}

/**
 * Request headers that carry a client's own session id (or embed it): they
 * are not forwarded to upstreams. (`prompt_cache_key` and `metadata.user_id`
 * ride in the body and are left alone: upstreams use them for caching.)
 */
export const clientSessionHeaders: readonly string[] = [
  'x-session-id',
  'x-session-affinity',
  'x-claude-code-session-id',
  'session_id',
  'session-id',
  'thread-id',
  'thread_id',
  'x-client-request-id',
  'x-codex-window-id',
  'x-codex-turn-metadata',
]

/** Longer client ids are cut to this many characters (the key is only hashed and shown). */
const MAX_KEY = 200

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A usable id: a non-blank string, trimmed and bounded. */
function id(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  const s = v.trim()
  return s === '' ? undefined : s.length > MAX_KEY ? s.slice(0, MAX_KEY) : s
}

export function identifySession(front: ProtocolId, headers: Headers, body: Record<string, unknown>, client: string): SessionIdentity {
  void client // the gateway id adds the client (gatewaySessionId); the client-side key does not depend on it
  const explicit = id(headers.get('x-session-id'))
  if (explicit) return { key: explicit, source: 'header' }

  const claude = id(headers.get('x-claude-code-session-id'))
  if (claude) return { key: claude, source: 'claude-code' }
  const codex = id(headers.get('session_id')) ?? id(headers.get('session-id'))
  if (codex) return { key: codex, source: 'codex' }

  switch (front) {
    case 'anthropic': {
      const userId = isObject(body.metadata) ? id(body.metadata.user_id) : undefined
      if (userId) {
        const session = claudeCodeSession(userId)
        return session ? { key: session, source: 'claude-code' } : { key: userId, source: 'anthropic-user' }
      }
      break
    }
    case 'openai-chat':
    case 'openai-responses': {
      const cacheKey = id(body.prompt_cache_key)
      if (cacheKey) return { key: cacheKey, source: 'codex' }
      const user = id(body.user) ?? id(body.safety_identifier)
      if (user) return { key: user, source: 'openai-user' }
      break
    }
    case 'gemini': {
      const gemini = geminiCliSession(body)
      if (gemini) return { key: gemini, source: 'gemini-cli' }
      break
    }
  }
  return { key: hash64(firstUserText(front, body)), source: 'fingerprint' }
}

/**
 * The session part of Claude Code's `metadata.user_id`: older versions send
 * `user_<hash>_account_<uuid>_session_<uuid>`, newer ones a JSON string with
 * `session_id`. Undefined for any other user id.
 */
export function claudeCodeSession(userId: string): string | undefined {
  if (userId.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(userId)
      return isObject(parsed) ? id(parsed.session_id) : undefined
    } catch {
      return undefined
    }
  }
  const at = userId.lastIndexOf('_session_')
  return at === -1 ? undefined : id(userId.slice(at + '_session_'.length))
}

/**
 * Gemini CLI's ids (its Code Assist request shape): `user_prompt_id` is
 * `<session id>########<prompt number>`; `session_id` sits in the body or in
 * its `request`.
 */
function geminiCliSession(body: Record<string, unknown>): string | undefined {
  const promptId = id(body.user_prompt_id)
  if (promptId) {
    const cut = promptId.indexOf('########')
    if (cut > 0) return promptId.slice(0, cut)
  }
  return id(body.session_id) ?? (isObject(body.request) ? id(body.request.session_id) : undefined)
}

/**
 * The text of the conversation's first user message that has any, read from
 * the raw body: Anthropic and Chat `messages`, Responses `input` (a string or
 * items), Gemini `contents` (or a Code Assist `request.contents`). Text parts
 * are joined with a newline; '' when there is none.
 */
export function firstUserText(front: ProtocolId, body: Record<string, unknown>): string {
  switch (front) {
    case 'anthropic':
    case 'openai-chat':
      return firstText(body.messages, (m) => m.role === 'user', (m) => m.content)
    case 'openai-responses':
      if (typeof body.input === 'string') return body.input
      return firstText(body.input, (m) => m.role === 'user' && (m.type === undefined || m.type === 'message'), (m) => m.content)
    case 'gemini':
    case 'gemini-code-assist': {
      const contents = body.contents ?? (isObject(body.request) ? body.request.contents : undefined)
      return firstText(contents, (m) => m.role === undefined || m.role === 'user', (m) => m.parts)
    }
  }
}

function firstText(list: unknown, isUser: (m: Record<string, unknown>) => boolean, contentOf: (m: Record<string, unknown>) => unknown): string {
  if (!Array.isArray(list)) return ''
  for (const m of list) {
    if (!isObject(m) || !isUser(m)) continue
    const text = textOf(contentOf(m))
    if (text !== '') return text
  }
  return ''
}

/** A message's text: a string, or the `text` of its parts (Anthropic `text`, Chat `text`, Responses `input_text`, Gemini parts without `thought`). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let out = ''
  for (const p of content) {
    if (!isObject(p) || typeof p.text !== 'string' || p.thought === true) continue
    if (p.type !== undefined && p.type !== 'text' && p.type !== 'input_text') continue
    out = out === '' ? p.text : `${out}\n${p.text}`
  }
  return out
}

/**
 * The gateway's id for a session: `s_` and 16 hex characters, a 64-bit hash of
 * (client name, source, key). Two clients sending the same id get different
 * sessions; the session store's owner check guards the rare collision.
 */
export function gatewaySessionId(client: string, source: string, key: string): string {
  return `s_${hash64(`${client}\u0000${source}\u0000${key}`)}`
}
