import { clientSessionHeaders } from '../sessions/identify-session'
import { HOP_HEADER, sameHops } from '../access/loop-guard'
import type { Backend } from '../config/settings'
import type { Redactor } from '../security/redactor'

/** Client headers that never go upstream: hop-by-hop, the client's own credentials, edge metadata. */
const NEVER_FORWARD = new Set([
  'host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authorization', 'proxy-connection', 'authorization', 'x-api-key', 'x-goog-api-key', 'api-key',
  'cookie', 'accept-encoding', 'forwarded', 'x-real-ip', 'true-client-ip', 'cdn-loop', 'expect',
  // The client's own session ids (src/sessions/identify-session.ts): the gateway's session is its own business.
  ...clientSessionHeaders,
  // The loop guard's hops: passed on only as upstreamHeaders checks them, the gateway's own id added by its transport.
  HOP_HEADER,
])
const NEVER_FORWARD_PREFIX = ['cf-', 'x-forwarded-']

export function isForwardable(name: string): boolean {
  const n = name.toLowerCase()
  return !NEVER_FORWARD.has(n) && !NEVER_FORWARD_PREFIX.some((p) => n.startsWith(p))
}

export interface UpstreamHeaderOptions {
  backend: Backend
  /** The pool's key for this attempt; none for a back end without keys. */
  key?: string
  /** The client's headers; forwarded whole (minus NEVER_FORWARD) when the protocols match. */
  client: Headers
  passThrough: boolean
  /** anthropic-version to send when the client did not speak Anthropic. */
  anthropicVersion: string
  clientSpeaksAnthropic: boolean
}

/** Headers for the upstream request: the back end's key, its identity headers, and what the client may pass on. */
export function upstreamHeaders(o: UpstreamHeaderOptions): Headers {
  const h = new Headers()
  if (o.passThrough) for (const [k, v] of o.client) if (isForwardable(k)) h.set(k, v)
  // The gateways this request went through so far (src/access/loop-guard.ts).
  const hops = o.client.get(HOP_HEADER)
  if (hops !== null && sameHops(hops)) h.set(HOP_HEADER, hops)
  h.set('content-type', 'application/json')
  if (!h.has('accept')) h.set('accept', 'application/json, text/event-stream')
  for (const [k, v] of Object.entries(o.backend.headers)) if (!h.has(k)) h.set(k, v)

  const key = o.key
  if (key && o.backend.auth !== 'login') {
    if (o.backend.auth === 'bearer') h.set('authorization', `Bearer ${key}`)
    else h.set(o.backend.auth, key)
  }

  if (o.backend.protocol === 'anthropic') {
    const version = o.clientSpeaksAnthropic ? o.client.get('anthropic-version') : null
    h.set('anthropic-version', version ?? o.anthropicVersion)
    const beta = o.clientSpeaksAnthropic ? o.client.get('anthropic-beta') : null
    if (beta) h.set('anthropic-beta', beta)
  }
  return h
}

/**
 * Upstream response headers worth passing back: rate limits, request ids, retry
 * hints, with the gateway's secrets removed from their values. A plain record
 * (lower-case names), which runtimes send without building a Headers object.
 */
export function downstreamHeaders(upstream: Headers, passThrough: boolean, redactor: Redactor): Record<string, string> {
  const h: Record<string, string> = {}
  for (const [k, v] of upstream) {
    const n = k.toLowerCase()
    if (
      n === 'retry-after' ||
      n === 'request-id' ||
      n === 'x-request-id' ||
      n.includes('ratelimit') ||
      (passThrough && (n.startsWith('anthropic-') || n.startsWith('openai-')))
    )
      h[n] = redactor.text(v)
  }
  return h
}
