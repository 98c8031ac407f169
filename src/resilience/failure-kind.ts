import type { Backend } from '../config/settings'
import { CLIENT_CLOSED, type GatewayError } from '../hub/errors'
import { isContextWindowError } from './context-window'
import type { FailureKind } from '../state/ports'

/** What a failed attempt means for the next step (see FailureKind). */
export function failureKind(err: GatewayError, status?: number, backend?: Pick<Backend, 'protocol'>): FailureKind {
  if (status !== undefined) {
    if (status === 429) return 'rate_limited'
    if (status === 401 || status === 402 || status === 403) return 'auth'
    if (isContextWindowError(err, status, backend)) return 'context_window'
    if (status === 408 || status === 504) return 'timeout'
    if (status >= 500) return 'server'
    return 'client'
  }
  // No status: the call itself failed (callUpstream, or the body after the headers).
  if (err.kind === 'timeout') return 'timeout'
  if (err.status === CLIENT_CLOSED) return 'client'
  // A subscription login that could not be refreshed (src/subscriptions/): that credentials file's failure.
  if (err.kind === 'upstream_auth') return 'auth'
  // The gateway's own refusal before anything was sent (multi-user mode's address check): no upstream failed.
  if (err.kind === 'permission') return 'refused'
  return err.kind === 'bad_gateway' ? 'network' : 'server'
}

/** Failures that move on to the next failover entry (a key failure first tries the back end's other keys). */
export const FAILS_OVER: ReadonlySet<FailureKind> = new Set(['rate_limited', 'auth', 'context_window', 'server', 'timeout', 'network', 'cut', 'refused'])

/**
 * How long an upstream asked to be left alone, in ms: `retry-after-ms`
 * (OpenAI), else `retry-after` as seconds or an HTTP date. Undefined when it
 * said nothing usable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms')
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms))
  const raw = headers.get('retry-after')?.trim()
  if (!raw) return undefined
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000)
  const at = Date.parse(raw)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
