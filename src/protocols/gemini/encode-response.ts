import { newId } from '../../hub/ids'
import type { ContentPart, HubRequest } from '../../hub/request'
import type { HubResponse } from '../../hub/response'
import { PROTOCOL } from './decode-parts'
import { encodeFunctionCall, encodeImage, encodeThinking, placeSignatures, type GeminiPartOut, type LooseSignature } from './encode-parts'
import { finishReasonToGemini } from './map-finish-reason'
import { usageToGemini } from './usage'

/** HubResponse → the GenerateContentResponse a Gemini client expects. */
export function encodeResponse(res: HubResponse, req: HubRequest) {
  const parts = encodeResponseParts(res.content)
  const candidate: Record<string, unknown> = {}
  if (parts.length) candidate.content = { role: 'model', parts }
  candidate.finishReason = finishReasonToGemini(res.finishReason)
  candidate.index = 0
  return {
    candidates: [candidate],
    usageMetadata: usageToGemini(res.usage),
    modelVersion: res.model || req.model,
    responseId: res.id || newId('resp_'),
  }
}

/**
 * Hub parts → Gemini response parts. Function calls get their bare id and their
 * thoughtSignature back (from the part, or unpacked from the id); thinking
 * becomes thought parts; a signature with no text goes on the part before it.
 * Signatures of other providers are wrapped (the client gives them back
 * unchanged). Empty text, native parts of other protocols and encrypted
 * reasoning (which a Gemini client has no field for) are left out.
 */
export function encodeResponseParts(content: ContentPart[]): GeminiPartOut[] {
  const items: Array<GeminiPartOut | LooseSignature> = []
  for (const part of content) {
    switch (part.type) {
      case 'text':
        if (part.text !== '') items.push({ text: part.text })
        break
      case 'thinking': {
        const encoded = encodeThinking(part, 'wrap')
        if (encoded) items.push(encoded)
        break
      }
      case 'tool_call':
        items.push(encodeFunctionCall(part))
        break
      case 'image':
        items.push(encodeImage(part))
        break
      case 'native':
        if (part.protocol === PROTOCOL) items.push({ ...(part.raw as GeminiPartOut) }) // a copy: signatures may be placed on it
        break
      default:
        break
    }
  }
  return placeSignatures(items, 'keep')
}
