import type { GatewayError } from '../hub/errors'
import type { FailureKind } from '../state/ports'

/**
 * An upstream's refusal of a prompt too long for the model, in the wording
 * each provider uses (OpenAI's code, Anthropic's and Gemini's messages, and
 * those of common OpenAI-compatible servers).
 */
const CONTEXT_WINDOW = /context_length_exceeded|context length|context window|prompt is too long|maximum context|exceeds the maximum number of tokens|input token count|too many (input )?tokens|reduce the length of the messages|string_above_max_length/i

export function isContextWindowError(err: GatewayError, status?: number): boolean {
  return (status === undefined || status === 400 || status === 413 || status === 422) && CONTEXT_WINDOW.test(err.message)
}

/** What a failed attempt means for the next step (see FailureKind). */
export function failureKind(err: GatewayError, status?: number): FailureKind {
  if (status !== undefined) {
    if (status === 429) return 'rate_limited'
    if (status === 401 || status === 402 || status === 403) return 'auth'
    if (isContextWindowError(err, status)) return 'context_window'
    if (status === 408 || status === 504) return 'timeout'
    if (status >= 500) return 'server'
    return 'client'
  }
  // No status: the call itself failed (callUpstream, or the body after the headers).
  if (err.kind === 'timeout') return 'timeout'
  if (err.status === 499) return 'client'
  return err.kind === 'bad_gateway' ? 'network' : 'server'
}

/** Failures that move on to the next failover entry (a key failure first tries the back end's other keys). */
export const FAILS_OVER: ReadonlySet<FailureKind> = new Set(['rate_limited', 'auth', 'context_window', 'server', 'timeout', 'network', 'cut'])

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
