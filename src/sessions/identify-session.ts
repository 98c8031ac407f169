import type { ProtocolId } from '../protocols/types'
import { keyId } from '../resilience/key-id'
import { sessionKey } from '../resilience/session-key'

/** Headers that carry a client's own session id: read by the gateway, never sent upstream. */
export const clientSessionHeaders: readonly string[] = ['x-session-id', 'session_id']

/** The client-side session key and where it came from. (Interim: the key pool's session key.) */
export function identifySession(_front: ProtocolId, headers: Headers, body: Record<string, unknown>, client: string): { key: string; source: string } {
  const key = sessionKey(headers, body, client)
  const source = { h: 'header', p: 'codex', u: 'claude-code', f: 'fingerprint' }[key[0]!] ?? 'fingerprint'
  return { key: key.slice(2), source }
}

/** The gateway's id for a session: the same client, source and key always give the same id; another client never does. */
export function gatewaySessionId(client: string, source: string, key: string): string {
  return 's_' + keyId(`${client}\u0000${source}\u0000${key}`).slice(1)
}
