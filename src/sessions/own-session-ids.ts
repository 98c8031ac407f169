import type { HubRequest } from '../hub/request'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The client's own ids go no further than the gateway (a back-to-back user
 * agent: each side sees its own leg's ids). A passed-through body's id fields —
 * Anthropic `metadata.user_id`, OpenAI `user` and `safety_identifier`, Codex's
 * `prompt_cache_key` — carry the gateway's session id instead: stable per
 * session, so an upstream's prompt cache and abuse tracking still work.
 * Returns undefined when the body has none (it then goes on untouched).
 */
export function withGatewayIds(body: Record<string, unknown>, sessionId: string): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined
  const set = (k: string, v: unknown) => ((out ??= { ...body })[k] = v)
  for (const k of ['user', 'safety_identifier', 'prompt_cache_key'])
    if (typeof body[k] === 'string' && body[k] !== sessionId) set(k, sessionId)
  const meta = body.metadata
  if (isObject(meta) && typeof meta.user_id === 'string' && meta.user_id !== sessionId) set('metadata', { ...meta, user_id: sessionId })
  return out
}

/** The same for a decoded request: its end-user id becomes the session's. */
export function hubWithGatewayIds(hub: HubRequest, sessionId: string): HubRequest {
  return hub.userId !== undefined && hub.userId !== sessionId ? { ...hub, userId: sessionId } : hub
}
