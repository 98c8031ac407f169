import { GatewayError, type ErrorKind } from '../../hub/errors'
import { sseJson, utf8 } from '../../sse/frame'
import { encodeError } from '../openai-chat/errors'

/**
 * The Responses API reports HTTP errors in OpenAI's usual `{error: {message,
 * type, param, code}}` body, so encodeError / decodeError are Chat Completions'.
 */
export { decodeError, encodeError, errorFromPayload } from '../openai-chat/errors'

/**
 * The `error` stream event. Documented as `{type: 'error', code, message, param,
 * sequence_number}`; OpenAI itself also nests the error object under `error`,
 * and that nested object is what makes the openai SDK's stream throw an APIError
 * (it throws on any event with an `error` field), so both are sent.
 */
export function errorEvent(err: GatewayError, sequenceNumber: number) {
  const error = (encodeError(err).body as { error: { message: string; type: string; param: string | null; code: string | null } }).error
  return {
    type: 'error' as const,
    code: error.code ?? error.type,
    message: error.message,
    param: error.param,
    sequence_number: sequenceNumber,
    error,
  }
}

/** One `event: error` frame, for a pass-through stream that fails midway (its sequence is unknown). */
export function encodeStreamError(err: GatewayError): Uint8Array {
  return utf8(sseJson(errorEvent(err, 0), 'error'))
}

/** The `error` of a failed response object (`response.failed`), whose code is from a fixed list. */
export function responseError(err: GatewayError): { code: string; message: string } {
  const CODE: Partial<Record<ErrorKind, string>> = { rate_limit: 'rate_limit_exceeded', invalid_request: 'invalid_prompt' }
  return { code: CODE[err.kind] ?? 'server_error', message: err.message }
}
