import { readEnvelope } from '../envelope'
import type { Protocol } from '../types'
import { decodeRequest } from './decode-request'
import { decodeResponse } from './decode-response'
import { decodeStream, streamDecoder } from './decode-stream'
import { encodeRequest } from './encode-request'
import { encodeResponse } from './encode-response'
import { encodeStream, streamEncoder } from './encode-stream'
import { decodeError, encodeError, encodeStreamError } from './errors'

/** The OpenAI Responses API (`POST /v1/responses`), as a front end and as a back end. */
export const openaiResponses: Protocol = {
  id: 'openai-responses',
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
  envelope: (body, hints) => readEnvelope(body, hints, 'input', true),
  upstreamPath: () => '/responses',
}
