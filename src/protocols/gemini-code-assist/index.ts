import { decodeResponse as decodeGeminiResponse } from '../gemini/decode-response'
import { streamDecoder as geminiStreamDecoder } from '../gemini/decode-stream'
import { encodeRequest as encodeGeminiRequest } from '../gemini/encode-request'
import { gemini } from '../gemini'
import type { HubRequest } from '../../hub/request'
import { toTransformStream } from '../../streams/stage'
import type { EncodeRequestContext, Protocol } from '../types'

/**
 * Google's Code Assist API, the endpoint the Gemini CLI speaks when it is logged in with a Google account
 * (google-gemini/gemini-cli packages/core/src/code_assist/server.ts: `https://cloudcode-pa.googleapis.com`,
 * version `v1internal`, methods `:generateContent` and `:streamGenerateContent?alt=sse`).
 *
 * Its bodies are Gemini's wrapped (code_assist/converter.ts, toGenerateContentRequest and
 * fromGenerateContentResponse):
 * - request `{model, project, user_prompt_id, request: {contents, systemInstruction, tools, toolConfig,
 *   generationConfig, safetySettings, session_id}}`;
 * - response `{response: {candidates, usageMetadata, modelVersion, …}, traceId}`, each SSE event likewise.
 *
 * So this protocol is the Gemini protocol's encoder and decoders with the envelope put on and taken off.
 * The `project` is left out here: it belongs to the login (the Code Assist project set up for the
 * account, src/subscriptions/gemini-cli/), and the login's `sign` adds it as the body's first field
 * (`{"project":"…",` + the rest: no second parse or serialisation of the body). Only the back-end half
 * is its own: no route takes it as a front end (Gemini clients speak `gemini`), so the front-end
 * functions are Gemini's.
 */

export const CODE_ASSIST_VERSION = 'v1internal'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** HubRequest → the Code Assist request: Gemini's request body inside the envelope, the model by name. */
export function encodeRequest(req: HubRequest, ctx: EncodeRequestContext): Record<string, unknown> {
  const request = encodeGeminiRequest(req, ctx)
  // The CLI sends its own session id; the gateway's session id (the hub's user id) is the closest thing.
  if (req.userId !== undefined) request.session_id = req.userId
  return {
    model: ctx.model.startsWith('models/') ? ctx.model.slice('models/'.length) : ctx.model,
    user_prompt_id: crypto.randomUUID(),
    request,
  }
}

/**
 * One Code Assist answer (or SSE event) → the Gemini response inside it, its `traceId` as the
 * responseId (as the CLI's fromGenerateContentResponse does). An error body (`{error}`) is left as it
 * is, for the Gemini decoders to report; an envelope without a response is an empty one.
 */
export function unwrapResponse(chunk: unknown): unknown {
  if (!isObj(chunk) || chunk.error !== undefined) return chunk
  const trace = typeof chunk.traceId === 'string' ? chunk.traceId : undefined
  if (!isObj(chunk.response)) return chunk.response === undefined && trace !== undefined ? { candidates: [], responseId: trace } : chunk
  const inner = chunk.response
  if (inner.responseId === undefined && trace !== undefined) inner.responseId = trace
  return inner
}

const streamDecoder = () => geminiStreamDecoder(unwrapResponse)

export const geminiCodeAssist: Protocol = {
  ...gemini,
  id: 'gemini-code-assist',
  encodeRequest,
  // Passing a Gemini body through unchanged is never right here (it needs the envelope): no adaptPassThrough.
  adaptPassThrough: undefined,
  decodeResponse: (body) => decodeGeminiResponse(Array.isArray(body) ? body.map(unwrapResponse) : unwrapResponse(body)),
  streamDecoder,
  decodeStream: () => toTransformStream(streamDecoder()),
  upstreamPath: (_model, stream) => `/${CODE_ASSIST_VERSION}:` + (stream ? 'streamGenerateContent?alt=sse' : 'generateContent'),
}
