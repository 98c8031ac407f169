import { GatewayError, kindForStatus, type ErrorKind } from '../../hub/errors'
import { sseJson, utf8 } from '../../sse/frame'

/**
 * OpenAI's error body is `{error: {message, type, param, code}}`. OpenAI itself
 * uses `type: invalid_request_error` for every 4xx but 429 (a bad key is
 * `invalid_request_error` with `code: invalid_api_key`, an unknown model
 * `code: model_not_found`); 429 is `rate_limit_error` / `rate_limit_exceeded`,
 * 5xx `server_error`, and an overload 503 `service_unavailable_error` with
 * `code: server_is_overloaded`. The SDKs pick their exception class from the
 * HTTP status, so `code` is what tells cases apart.
 */
const WIRE: Record<ErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: 'invalid_request_error', code: null },
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { type: 'invalid_request_error', code: 'permission_denied' },
  not_found: { type: 'invalid_request_error', code: 'not_found' },
  conflict: { type: 'invalid_request_error', code: 'conflict' },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  api_error: { type: 'server_error', code: null },
  bad_gateway: { type: 'server_error', code: 'bad_gateway' },
  upstream_auth: { type: 'upstream_authentication_error', code: 'upstream_key_refused' },
  overloaded: { type: 'service_unavailable_error', code: 'server_is_overloaded' },
  timeout: { type: 'server_error', code: 'timeout' },
  loop_detected: { type: 'server_error', code: 'loop_detected' },
}

function errorObject(err: GatewayError) {
  const wire = WIRE[err.kind]
  return { message: err.message, type: wire.type, param: err.param ?? null, code: err.code ?? wire.code }
}

export function encodeError(err: GatewayError): { status: number; body: unknown } {
  return { status: err.status, body: { error: errorObject(err) } }
}

/** One `data: {"error": …}` frame, the way OpenAI reports a failure after the stream began. */
/** The error frame as text, for encoders that batch their output. */
export function streamErrorFrame(err: GatewayError): string {
  return sseJson({ error: errorObject(err) })
}

export function encodeStreamError(err: GatewayError): Uint8Array {
  return utf8(streamErrorFrame(err))
}

const MAX_MESSAGE = 1000

/** Anything that looks like a credential is cut out of upstream messages before they reach a client. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(sk|pk|rk|sess)-[A-Za-z0-9_*.\-]{6,}/g, '$1-***')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9_*.~+/=\-]+/gi, '$1 ***')
    .replace(/\b(api[_-]?key|key|token)=([^&\s"']+)/gi, '$1=***')
}

function truncate(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? text.slice(0, max) + '…' : text
}

/** An OpenAI-style error type or an OpenRouter numeric code → our kind. */
function kindFromPayload(type: unknown, code: unknown): ErrorKind | undefined {
  if (typeof code === 'number' && code >= 400) return kindForStatus(code)
  switch (type) {
    case 'invalid_request_error':
      return code === 'invalid_api_key' ? 'authentication' : 'invalid_request'
    case 'authentication_error':
      return 'authentication'
    case 'permission_error':
    case 'request_forbidden':
      return 'permission'
    case 'not_found_error':
      return 'not_found'
    case 'rate_limit_error':
    case 'requests':
    case 'tokens':
    case 'insufficient_quota':
      return 'rate_limit'
    case 'service_unavailable_error':
    case 'overloaded_error':
      return 'overloaded'
    case 'server_error':
    case 'api_error':
      return 'api_error'
  }
  if (code === 'rate_limit_exceeded' || code === 'insufficient_quota') return 'rate_limit'
  if (code === 'server_is_overloaded') return 'overloaded'
  return undefined
}

interface ErrorFields {
  message?: string
  type?: unknown
  code?: unknown
  param?: unknown
}

/** Finds the error object in the shapes OpenAI-compatible hosts use. */
function errorFields(payload: unknown): ErrorFields | undefined {
  if (Array.isArray(payload)) return errorFields(payload[0]) // Gemini's compatibility layer wraps it in an array
  if (!payload || typeof payload !== 'object') return undefined
  const p = payload as Record<string, unknown>
  if (typeof p.error === 'string') return { message: p.error }
  if (p.error && typeof p.error === 'object') {
    const e = p.error as Record<string, unknown>
    return {
      message: typeof e.message === 'string' ? e.message : undefined,
      type: e.type ?? e.status,
      code: e.code,
      param: e.param,
    }
  }
  // vLLM: {object: 'error', message, type, code}; FastAPI: {detail}; others: {message}.
  const message = typeof p.message === 'string' ? p.message : typeof p.detail === 'string' ? p.detail : undefined
  if (message !== undefined) return { message, type: p.type, code: p.code, param: p.param }
  return undefined
}

/**
 * A parsed error payload (an HTTP error body, or a `data: {"error": …}` event in
 * a stream) → GatewayError. `status` is the HTTP status when there was one.
 */
export function errorFromPayload(payload: unknown, status?: number): GatewayError | undefined {
  const fields = errorFields(payload)
  if (!fields) return undefined
  const kind =
    status !== undefined && status >= 400 ? kindForStatus(status) : (kindFromPayload(fields.type, fields.code) ?? 'api_error')
  const message = fields.message ? truncate(redactSecrets(fields.message)) : 'The upstream reported an error.'
  return new GatewayError(kind, message, {
    status: status !== undefined && status >= 400 ? status : undefined,
    param: typeof fields.param === 'string' ? fields.param : undefined,
    upstream: true,
    // The upstream's own code (`context_length_exceeded`) tells cases apart that the status does not.
    code: typeof fields.code === 'string' && CODE.test(fields.code) ? fields.code : undefined,
  })
}

/** What an upstream error code may look like to be kept (a short identifier, nothing that could carry a secret). */
const CODE = /^[A-Za-z][A-Za-z0-9_.]{0,47}$/

/** An upstream's error answer (status and raw body) → GatewayError. */
export function decodeError(status: number, body: string): GatewayError {
  let payload: unknown
  try {
    payload = JSON.parse(body)
  } catch {
    payload = undefined
  }
  const fromPayload = errorFromPayload(payload, status)
  if (fromPayload) return fromPayload
  // Plain text or an HTML error page: a short prefix is enough to tell what happened.
  const text = truncate(redactSecrets(body).replace(/\s+/g, ' ').trim(), 200)
  const message = text ? `Upstream error (HTTP ${status}): ${text}` : `Upstream error (HTTP ${status}).`
  return new GatewayError(kindForStatus(status), message, { status: status >= 400 ? status : undefined, upstream: true })
}
