/**
 * One error type for everything that can go wrong, in protocol-neutral terms.
 * Each protocol folder renders it in its own error shape.
 */
export type ErrorKind =
  | 'invalid_request' // 400
  | 'authentication' // 401
  | 'permission' // 403
  | 'not_found' // 404
  | 'conflict' // 409: the gateway stopped a repeating tool loop
  | 'request_too_large' // 413
  | 'rate_limit' // 429
  | 'api_error' // 500 and unknown upstream failures
  | 'bad_gateway' // 502: upstream unreachable or spoke nonsense
  | 'upstream_auth' // 502: the upstream refused the gateway's own key (not the client's fault)
  | 'overloaded' // 503 / 529
  | 'timeout' // 504
  | 'loop_detected' // 508: the request came back to the gateway that sent it (src/access/loop-guard.ts)

const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  conflict: 409,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 500,
  bad_gateway: 502,
  upstream_auth: 502,
  overloaded: 503,
  timeout: 504,
  loop_detected: 508,
}

/**
 * The status of an exchange the client gave up on (closed the connection, cancelled the answer's body)
 * before its answer was whole: nginx's 499. Never sent (nobody is left to read it); it is what the
 * metrics, the usage ledger, the log line, the traffic feed and the capture record.
 */
export const CLIENT_CLOSED = 499

export class GatewayError extends Error {
  readonly kind: ErrorKind
  readonly status: number
  /** The offending field, when there is one (`messages[2].tool_call_id`). */
  readonly param?: string
  /** Set when the error came from the upstream rather than from the gateway. */
  readonly upstream?: boolean
  /** The upstream's Retry-After, passed on to the client. */
  retryAfter?: string
  /**
   * A machine-readable code finer than the kind (`context_length_exceeded`): OpenAI's
   * `error.code` says it; protocols without a code field keep only the kind and message.
   */
  readonly code?: string

  constructor(kind: ErrorKind, message: string, opts: { status?: number; param?: string; upstream?: boolean; code?: string } = {}) {
    // An answer to give, not a bug to trace: no stack is captured (V8 spends ~2 µs on one, and a
    // passed-through stream's usage decoder makes one per answer that nobody reads). Unexpected errors keep theirs.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = limit
    this.name = 'GatewayError'
    this.kind = kind
    this.status = opts.status ?? STATUS[kind]
    this.param = opts.param
    this.upstream = opts.upstream
    if (opts.code !== undefined) this.code = opts.code
  }
}

export const invalidRequest = (message: string, param?: string) =>
  new GatewayError('invalid_request', message, { param })

/** Maps an HTTP status from an upstream to our error kind. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request'
  if (status === 401) return 'authentication'
  if (status === 403) return 'permission'
  if (status === 404) return 'not_found'
  if (status === 409) return 'conflict'
  if (status === 413) return 'request_too_large'
  if (status === 429) return 'rate_limit'
  if (status === 503 || status === 529) return 'overloaded'
  if (status === 504 || status === 408) return 'timeout'
  if (status === 502) return 'bad_gateway'
  if (status === 508) return 'loop_detected'
  if (status >= 400 && status < 500) return 'invalid_request'
  return 'api_error'
}

/** Anything thrown becomes a GatewayError; unknown throwables never leak their internals. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return new GatewayError('timeout', 'The upstream did not answer in time.')
  return new GatewayError('api_error', 'Internal gateway error.')
}
