import { GatewayError, kindForStatus, type ErrorKind } from '../../hub/errors'
import { sseJson, utf8 } from '../../sse/frame'
import { own } from '../../hub/own'

/**
 * Google's error body: `{error: {code: <HTTP status>, message, status: <gRPC
 * status name>, details: [...]}}` (https://ai.google.dev/gemini-api/docs/troubleshooting).
 * HTTP ↔ gRPC status follows google.rpc.Code: 400 INVALID_ARGUMENT, 401
 * UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED,
 * 500 INTERNAL, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED. Google has no 413 (an
 * oversized request is a 400 INVALID_ARGUMENT there); we keep HTTP 413 so
 * clients see what happened, with INVALID_ARGUMENT. A 502 (upstream unreachable)
 * is UNAVAILABLE.
 */
const STATUS_FOR_KIND: Record<ErrorKind, string> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  conflict: 'ABORTED',
  request_too_large: 'INVALID_ARGUMENT',
  rate_limit: 'RESOURCE_EXHAUSTED',
  api_error: 'INTERNAL',
  bad_gateway: 'UNAVAILABLE',
  upstream_auth: 'FAILED_PRECONDITION',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  loop_detected: 'FAILED_PRECONDITION',
}

const KIND_FOR_STATUS: Record<string, ErrorKind> = {
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  OUT_OF_RANGE: 'invalid_request',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limit',
  INTERNAL: 'api_error',
  UNKNOWN: 'api_error',
  DATA_LOSS: 'api_error',
  UNAVAILABLE: 'overloaded',
  ABORTED: 'conflict',
  DEADLINE_EXCEEDED: 'timeout',
  CANCELLED: 'api_error',
}

export function errorBody(err: GatewayError) {
  return { error: { code: err.status, message: err.message, status: STATUS_FOR_KIND[err.kind] } }
}

/** GatewayError → Google's error body and the status to send it with. */
export function encodeError(err: GatewayError): { status: number; body: unknown } {
  return { status: err.status, body: errorBody(err) }
}

/** One `data: {"error": …}` frame: how Gemini reports a failure once the stream has begun. */
/** The error frame as text, for encoders that batch their output. */
export function streamErrorFrame(err: GatewayError): string {
  return sseJson(errorBody(err))
}

export function encodeStreamError(err: GatewayError): Uint8Array {
  return utf8(streamErrorFrame(err))
}

const MAX_MESSAGE = 1000
const MAX_PREFIX = 200

/** Masks what looks like a credential, should an upstream echo one: `key=` parameters, Google API keys, bearer tokens. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(key|api_key|apikey|access_token|token)=[^&\s"']+/gi, '$1=***')
    .replace(/\bAIza[0-9A-Za-z_-]{20,}/g, 'AIza***')
    .replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***')
}

const truncate = (text: string, max = MAX_MESSAGE) => (text.length > max ? text.slice(0, max) + '…' : text)

/**
 * A parsed error payload (an HTTP error body, possibly wrapped in an array, or
 * an `{error: …}` chunk in a stream) → GatewayError; undefined when it is not one.
 * `status` is the HTTP status when there was one.
 */
export function errorFromPayload(payload: unknown, status?: number): GatewayError | undefined {
  if (Array.isArray(payload)) return errorFromPayload(payload[0], status)
  if (!payload || typeof payload !== 'object') return undefined
  const raw = (payload as { error?: unknown }).error
  if (!raw || typeof raw !== 'object') return undefined
  const e = raw as { code?: unknown; message?: unknown; status?: unknown; details?: unknown }

  const httpStatus = status !== undefined && status >= 400 ? status : typeof e.code === 'number' && e.code >= 400 ? e.code : undefined
  let kind: ErrorKind =
    typeof e.status === 'string' && own(KIND_FOR_STATUS, e.status)
      ? own(KIND_FOR_STATUS, e.status)!
      : httpStatus !== undefined
        ? kindForStatus(httpStatus)
        : 'api_error'
  // Google answers a bad API key with 400 INVALID_ARGUMENT; it is an authentication failure.
  const details = Array.isArray(e.details) ? (e.details as Array<Record<string, unknown>>) : []
  const keyInvalid = details.some((d) => d?.reason === 'API_KEY_INVALID')
  if (keyInvalid) kind = 'authentication'

  const message = typeof e.message === 'string' && e.message ? truncate(redactSecrets(e.message)) : 'The upstream reported an error.'
  const err = new GatewayError(kind, message, { status: keyInvalid ? undefined : httpStatus, upstream: true })
  const retry = details.find((d) => typeof d?.retryDelay === 'string')?.retryDelay as string | undefined
  const seconds = retry ? /^(\d+(?:\.\d+)?)s$/.exec(retry)?.[1] : undefined
  if (seconds) err.retryAfter = String(Math.ceil(Number(seconds)))
  return err
}

/**
 * An upstream's error answer (status and raw body) → GatewayError (upstream:
 * true, the upstream's status). Reads Google's error JSON; anything else (an
 * HTML page from a proxy) is summarised by a short prefix. Credentials are masked.
 */
export function decodeError(status: number, body: string): GatewayError {
  let payload: unknown
  try {
    payload = JSON.parse(body)
  } catch {
    payload = undefined
  }
  const fromPayload = errorFromPayload(payload, status)
  if (fromPayload) return fromPayload
  const prefix = truncate(redactSecrets(body).replace(/\s+/g, ' ').trim(), MAX_PREFIX)
  const message = prefix ? `Upstream error (HTTP ${status}): ${prefix}` : `Upstream error (HTTP ${status}).`
  return new GatewayError(kindForStatus(status), message, { status: status >= 400 ? status : undefined, upstream: true })
}
