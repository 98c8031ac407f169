import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { HubRequest, ToolCallPart } from '../../hub/request'
import type { Usage } from '../../hub/response'
import type { HubStreamEvent } from '../../hub/stream'
import { sseJson } from '../../sse/frame'
import { STREAM_ENDED_EARLY } from './decode-stream'
import { encodeFunctionCall, encodeThinking, type GeminiPartOut } from './encode-parts'
import { streamErrorFrame } from './errors'
import { finishReasonToGemini } from './map-finish-reason'
import { usageToGemini } from './usage'
import { chain, toTransformStream, UTF8, type Emit, type Stage } from '../../streams/stage'

export { toJsonArrayStream } from './json-array-stream'

interface OpenCall {
  id: string
  name: string
  kind?: 'function' | 'custom'
  signature?: string
  arguments: string
}

/**
 * Hub events → Gemini `alt=sse` frames, `data: <GenerateContentResponse chunk>`.
 * - Text and thinking deltas go out as parts at once (`{text}`, `{text, thought:
 *   true}`). A signature alone goes as `{text: "", thoughtSignature}` (as Gemini
 *   sends its end-of-turn signature), or as an empty thought part when it closes
 *   the thought text just sent, so a client's history keeps the two together.
 *   Other providers' signatures are wrapped (`gwsig.<format>.…`) for the round trip;
 *   their encrypted reasoning (redacted_thinking) has no Gemini field and is left out.
 * - Gemini clients expect a function call whole: a call's arguments are
 *   buffered until its tool_call_end (or the finish), then sent as one
 *   functionCall part with its bare id and its thoughtSignature.
 * - finish → a last chunk with finishReason and usageMetadata.
 * - error → `data: {"error": {code, message, status}}`, and the stream ends.
 */
export function streamEncoder(req: HubRequest): Stage<HubStreamEvent, string> {
  let responseId = ''
  let model = req.model
  let usage: Usage | undefined
  let done = false
  /** The last part sent was unsigned thought text. */
  let afterThought = false
  const calls = new Map<number, OpenCall>()

  return {
    transform(event, controller) {
      if (done) return
      const chunk = (parts: GeminiPartOut[], extra: { finishReason?: string; usage?: Usage } = {}) => {
        if (!responseId) responseId = newId('resp_')
        const candidate: Record<string, unknown> = { content: { role: 'model', parts } }
        if (extra.finishReason) candidate.finishReason = extra.finishReason
        candidate.index = 0
        const payload: Record<string, unknown> = { candidates: [candidate] }
        if (extra.usage) payload.usageMetadata = usageToGemini(extra.usage)
        payload.modelVersion = model
        payload.responseId = responseId
        controller.enqueue(sseJson(payload))
      }
      const sendCall = (index: number) => {
        const call = calls.get(index)
        if (!call) return
        calls.delete(index)
        const part: ToolCallPart = { type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments }
        if (call.kind) part.kind = call.kind
        if (call.signature) part.signature = call.signature
        chunk([encodeFunctionCall(part)])
      }

      if (event.type !== 'thinking_delta' && event.type !== 'usage') afterThought = false
      switch (event.type) {
        case 'start':
          if (event.id) responseId = event.id
          if (event.model) model = event.model
          if (event.usage) usage = event.usage
          return
        case 'text_delta':
          if (event.text !== '') chunk([{ text: event.text }])
          return
        case 'thinking_delta': {
          const encoded = encodeThinking(
            { type: 'thinking', text: event.text, signature: event.signature, format: event.format },
            'wrap',
          )
          if (!encoded) return
          if ('looseSignature' in encoded) {
            // After thought text the signature is that thought's (a thought part, so a client's history
            // keeps them together); after anything else it is Gemini's end-of-turn signature.
            chunk([afterThought ? { text: '', thought: true, thoughtSignature: encoded.looseSignature } : { text: '', thoughtSignature: encoded.looseSignature }])
            afterThought = false
            return
          }
          chunk([encoded])
          afterThought = encoded.thoughtSignature === undefined
          return
        }
        case 'redacted_thinking':
          return // encrypted reasoning of another provider: a Gemini client has no field for it
        case 'tool_call_start':
          if (!calls.has(event.index))
            calls.set(event.index, { id: event.id, name: event.name, kind: event.kind, signature: event.signature, arguments: '' })
          return
        case 'tool_call_delta': {
          const call = calls.get(event.index)
          if (call) call.arguments += event.argumentsDelta
          return
        }
        case 'tool_call_end':
          sendCall(event.index)
          return
        case 'usage':
          usage = event.usage
          return
        case 'finish':
          for (const index of [...calls.keys()].sort((a, b) => a - b)) sendCall(index)
          chunk([{ text: '' }], { finishReason: finishReasonToGemini(event.reason), usage: event.usage ?? usage ?? { inputTokens: 0, outputTokens: 0 } })
          done = true
          return
        case 'error':
          controller.enqueue(streamErrorFrame(event.error))
          done = true
          return
      }
    },
    flush(controller) {
      if (done) return
      controller.enqueue(streamErrorFrame(new GatewayError('bad_gateway', STREAM_ENDED_EARLY)))
    },
  }
}

/** The same as a TransformStream. */
export function encodeStream(req: HubRequest): TransformStream<HubStreamEvent, Uint8Array> {
  return toTransformStream(chain(streamEncoder(req), UTF8))
}
