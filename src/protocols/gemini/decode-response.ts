import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { ContentPart } from '../../hub/request'
import type { HubResponse } from '../../hub/response'
import { decodePart, isObj, pushParts } from './decode-parts'
import { errorFromPayload } from './errors'
import { finishReasonFromGemini } from './map-finish-reason'
import { usageFromGemini, type GeminiUsage } from './usage'

type Json = Record<string, unknown>

/**
 * A GenerateContentResponse → HubResponse. Only the first candidate is read.
 * Function calls get their id (Gemini's, else a fresh `call_…`) with the
 * thoughtSignature packed in (see packCallId) and also as `signature`.
 * A prompt blocked before generation (promptFeedback.blockReason, no
 * candidates) is an empty content_filter response. An array of chunks (the
 * non-SSE streaming form) is read as one response.
 */
export function decodeResponse(body: unknown): HubResponse {
  const chunks = Array.isArray(body) ? body : [body]
  const error = errorFromPayload(chunks.find((c) => isObj(c) && c.error !== undefined))
  if (error) throw error
  if (!chunks.length || !chunks.every((c) => isObj(c) && (Array.isArray(c.candidates) || isObj(c.promptFeedback) || isObj(c.usageMetadata))))
    throw notAResponse()

  let responseId: string | undefined
  let modelVersion: string | undefined
  let createTime: string | undefined
  let usage: GeminiUsage | undefined
  let finishReason: string | undefined
  let blocked = false
  const parts: Json[] = []
  for (const chunk of chunks as Json[]) {
    if (typeof chunk.responseId === 'string') responseId = chunk.responseId
    if (typeof chunk.modelVersion === 'string') modelVersion = chunk.modelVersion
    if (typeof chunk.createTime === 'string') createTime = chunk.createTime
    if (isObj(chunk.usageMetadata)) usage = chunk.usageMetadata as GeminiUsage
    if (isObj(chunk.promptFeedback) && typeof chunk.promptFeedback.blockReason === 'string') blocked = true
    const candidate = firstCandidate(chunk.candidates)
    if (!candidate) continue
    if (typeof candidate.finishReason === 'string') finishReason = candidate.finishReason
    const content = candidate.content
    if (isObj(content) && Array.isArray(content.parts)) for (const p of content.parts) if (isObj(p)) parts.push(p)
  }

  const content: ContentPart[] = []
  for (const p of parts) pushParts(content, decodePart(p, { callId: () => newId('call_'), packIds: true }))
  const hasCalls = content.some((p) => p.type === 'tool_call')
  const res: HubResponse = {
    id: responseId ?? newId('resp_'),
    model: modelVersion ?? '',
    content,
    finishReason: blocked && !content.length ? 'content_filter' : finishReasonFromGemini(finishReason, hasCalls),
    usage: usageFromGemini(usage),
  }
  const created = createTime ? Date.parse(createTime) : NaN
  if (Number.isFinite(created)) res.created = Math.floor(created / 1000)
  return res
}

/** The candidate with index 0 (Gemini omits `index` when it is 0). */
export function firstCandidate(candidates: unknown): Json | undefined {
  if (!Array.isArray(candidates)) return undefined
  return candidates.find((c): c is Json => isObj(c) && (c.index === undefined || c.index === 0))
}

function notAResponse(): GatewayError {
  return new GatewayError('bad_gateway', 'The upstream answered with something that is not a Gemini response.', {
    upstream: true,
  })
}
