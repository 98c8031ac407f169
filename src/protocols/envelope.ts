import { invalidRequest } from '../hub/errors'
import type { RequestHints } from './types'

export interface Envelope {
  model: string
  stream: boolean
}

/**
 * What routing needs from a body, checked without decoding the rest: the model
 * (from the URL for Gemini), whether it streams, and that the conversation field
 * is there. A pass-through request is checked this far and no further; the
 * upstream that speaks the same protocol validates the rest and answers in that
 * protocol. Translated requests are decoded and validated in full.
 */
export function readEnvelope(body: Record<string, unknown>, hints: RequestHints | undefined, conversation: string, alsoString = false): Envelope {
  const model = hints?.model ?? body.model
  if (typeof model !== 'string' || model === '') throw invalidRequest('model: a model name (string) is required', 'model')
  const stream = hints?.stream ?? body.stream
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') throw invalidRequest('stream: must be a boolean', 'stream')
  const value = body[conversation]
  if (!Array.isArray(value) && !(alsoString && typeof value === 'string'))
    throw invalidRequest(`${conversation}: Invalid input: expected ${alsoString ? 'a string or an array' : 'array'}`, conversation)
  return { model, stream: stream === true }
}
