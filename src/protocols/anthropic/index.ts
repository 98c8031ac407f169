import { readEnvelope } from '../envelope'
import type { Protocol } from '../types'
import { decodeRequest } from './decode-request'
import { decodeResponse } from './decode-response'
import { decodeStream, streamDecoder } from './decode-stream'
import { encodeRequest } from './encode-request'
import { encodeResponse } from './encode-response'
import { encodeStream, streamEncoder } from './encode-stream'
import { decodeError, encodeError, encodeStreamError } from './errors'

export { DEFAULT_MAX_TOKENS, EFFORT_BUDGET, MIN_THINKING_BUDGET } from './encode-request'

/** The Anthropic Messages API (POST /v1/messages), both as a front end and as an upstream. */
export const anthropic: Protocol = {
  id: 'anthropic',
  decodeRequest,
  encodeResponse,
  encodeStream,
  streamEncoder,
  encodeError,
  encodeStreamError,
  encodeRequest,
  decodeResponse,
  decodeStream,
  streamDecoder,
  decodeError,
  envelope: (body, hints) => readEnvelope(body, hints, 'messages'),
  upstreamPath: () => '/v1/messages',
}
