import { GatewayError, kindForStatus, type ErrorKind } from '../../hub/errors'
import { sseJson, utf8 } from '../../sse/frame'
import { own } from '../../hub/own'

/**
 * Anthropic error types (https://platform.claude.com/docs/en/api/errors):
 * 400 invalid_request_error · 401 authentication_error · 402 billing_error ·
 * 403 permission_error · 404 not_found_error · 409 conflict_error ·
 * 413 request_too_large · 429 rate_limit_error · 500 api_error ·
 * 504 timeout_error · 529 overloaded_error. Anthropic has no 502 type: a bad
 * gateway is reported as api_error with status 502.
 */
const TYPE_FOR_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  conflict: 'conflict_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  api_error: 'api_error',
  bad_gateway: 'api_error',
  upstream_auth: 'upstream_authentication_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
  loop_detected: 'api_error',
}

const KIND_FOR_TYPE: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  billing_error: 'permission',
  permission_error: 'permission',
  not_found_error: 'not_found',
  conflict_error: 'conflict',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limit',
  api_error: 'api_error',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded',
}

export function anthropicErrorType(kind: ErrorKind): string {
  return TYPE_FOR_KIND[kind]
}

/** An Anthropic `error.type` → our kind; unknown types fall back to the HTTP status. */
export function kindForAnthropicType(type: unknown, status?: number): ErrorKind {
  const kind = typeof type === 'string' ? own(KIND_FOR_TYPE, type) : undefined
  if (kind) return kind
  return status ? kindForStatus(status) : 'api_error'
}

export function errorBody(err: GatewayError) {
  return { type: 'error' as const, error: { type: anthropicErrorType(err.kind), message: err.message } }
}

/** GatewayError → Anthropic error body and the status to send it with. */
export function encodeError(err: GatewayError): { status: number; body: unknown } {
  return { status: err.status, body: errorBody(err) }
}

/** One `event: error` frame, as Anthropic sends mid-stream. */
export function encodeStreamError(err: GatewayError): Uint8Array {
  return utf8(sseJson(errorBody(err), 'error'))
}

const MAX_MESSAGE = 500
const MAX_PREFIX = 200

/**
 * An upstream's error answer → GatewayError (upstream: true, the upstream's status).
 * Reads Anthropic's `{type:'error', error:{type, message}}` (and the common
 * `{error:{message}}` / `{message}` variants of compatible hosts); anything else is
 * summarised by a short prefix of the body. Key-looking strings are masked.
 */
export function decodeError(status: number, body: string): GatewayError {
  let type: unknown
  let message: string | undefined
  try {
    const json = JSON.parse(body) as unknown
    if (json && typeof json === 'object') {
      const obj = json as { error?: unknown; message?: unknown; type?: unknown }
      if (obj.error && typeof obj.error === 'object') {
        const e = obj.error as { type?: unknown; message?: unknown }
        type = e.type
        if (typeof e.message === 'string') message = e.message
      } else if (typeof obj.error === 'string') message = obj.error
      if (message === undefined && typeof obj.message === 'string') message = obj.message
    }
  } catch {
    // not JSON: summarised below
  }
  const kind = kindForAnthropicType(type, status)
  if (message === undefined) {
    const prefix = body.replace(/\s+/g, ' ').trim().slice(0, MAX_PREFIX)
    message = prefix ? `Upstream answered HTTP ${status}: ${prefix}` : `Upstream answered HTTP ${status}.`
  }
  return new GatewayError(kind, mask(message).slice(0, MAX_MESSAGE), { status, upstream: true })
}

/** Masks strings that look like API keys or bearer tokens, should an upstream echo one. */
function mask(text: string): string {
  return text
    .replace(/\b(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{8,}/g, '$1…')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1…')
}
