import { GatewayError } from '../../hub/errors'

/**
 * The login cannot be used: the file is missing or unreadable, or its refresh was refused. A 401 to
 * the client (it is the gateway's credentials, not the client's) that says what to run.
 */
export function loginError(message: string): GatewayError {
  return new GatewayError('upstream_auth', message, { status: 401 })
}

/** A token or set-up endpoint that failed for another reason (unreachable, 5xx): a 502. */
export function endpointError(message: string): GatewayError {
  return new GatewayError('bad_gateway', message)
}
