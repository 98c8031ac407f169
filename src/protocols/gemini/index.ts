import { readEnvelope } from '../envelope'
import type { Protocol } from '../types'
import { geminiModelResource } from '../../upstream/url-parts'
import { decodeRequest } from './decode-request'
import { decodeResponse } from './decode-response'
import { decodeStream, streamDecoder } from './decode-stream'
import { encodeRequest } from './encode-request'
import { encodeResponse } from './encode-response'
import { encodeStream, streamEncoder } from './encode-stream'
import { decodeError, encodeError, encodeStreamError } from './errors'

export { decodeCountTokensRequest, encodeCountTokensResponse } from './count-tokens'
export { EFFORT_BUDGET, SKIP_SIGNATURE } from './encode-request'
export { toJsonArrayStream } from './json-array-stream'

/**
 * The Gemini API (POST /v1beta/models/{model}:generateContent and
 * :streamGenerateContent?alt=sse), both as a front end and as an upstream.
 */
export const gemini: Protocol = {
  id: 'gemini',
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
  envelope: (body, hints) => readEnvelope(body, hints, 'contents'),
  upstreamPath: (model, stream) =>
    '/v1beta/' + geminiModelResource(model) + (stream ? ':streamGenerateContent?alt=sse' : ':generateContent'),
}
