import { parseToolArguments } from '../../hub/json'
import type { ImagePart, ThinkingPart, ToolCallPart } from '../../hub/request'
import { unpackCallId, wrapSignature } from '../../hub/signature-envelope'
import { functionArguments } from '../../hub/tools'
import { FORMAT } from './decode-parts'

export type GeminiPartOut = Record<string, unknown>

/** A signature that came as a thinking part with no text: it belongs on a neighbouring part. */
export interface LooseSignature {
  looseSignature: string
}

const isLoose = (item: GeminiPartOut | LooseSignature): item is LooseSignature => typeof item.looseSignature === 'string'

/**
 * A tool call → a functionCall part. The call's own signature wins; else the one
 * packed into its id by a client of another protocol. The id sent is the bare one.
 */
export function encodeFunctionCall(part: ToolCallPart): GeminiPartOut {
  const { id, signature: packed } = unpackCallId(part.id)
  const out: GeminiPartOut = {
    functionCall: { id, name: part.name, args: parseToolArguments(functionArguments(part, false)) },
  }
  const signature = part.signature ?? packed
  if (signature) out.thoughtSignature = signature
  return out
}

/**
 * A thinking part → a thought part, or a loose signature when it has no text.
 * `foreign` says what to do with a signature Gemini did not make: `drop` it
 * (requests: Gemini would reject it) or `wrap` it (responses to a Gemini client,
 * which gives it back so an upstream of its origin can have it again).
 * Returns undefined when nothing is left.
 */
export function encodeThinking(part: ThinkingPart, foreign: 'drop' | 'wrap'): GeminiPartOut | LooseSignature | undefined {
  const own = part.format === FORMAT
  let signature: string | undefined
  if (part.signature) {
    if (own) signature = part.signature
    else if (foreign === 'wrap') signature = wrapSignature(part.signature, part.format ?? 'unknown', FORMAT)
  }
  if (part.text === '') return signature ? { looseSignature: signature } : undefined
  const out: GeminiPartOut = { text: part.text, thought: true }
  if (signature) out.thoughtSignature = signature
  return out
}

/** A hub image → inlineData (base64 and data: URLs) or fileData (any other URL). */
export function encodeImage(part: ImagePart): GeminiPartOut {
  const src = part.source
  if (src.kind === 'base64') return { inlineData: { mimeType: src.mediaType, data: src.data } }
  const data = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s.exec(src.url)
  if (data) return { inlineData: { mimeType: data[1], data: data[2] } }
  return { fileData: { mimeType: mimeFromUrl(src.url), fileUri: src.url } }
}

function mimeFromUrl(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase()
  switch (ext) {
    case 'png':
      return 'image/png'
    case 'gif':
      return 'image/gif'
    case 'webp':
      return 'image/webp'
    case 'heic':
      return 'image/heic'
    case 'heif':
      return 'image/heif'
    default:
      return 'image/jpeg'
  }
}

const canTakeSignature = (p: GeminiPartOut) =>
  p.thoughtSignature === undefined && p.functionCall === undefined && p.functionResponse === undefined

/**
 * Puts loose signatures on a part of the same turn: the part before (Gemini
 * signs the part it finished on), else the next one that has no signature of
 * its own. Function calls keep their own. A signature with no part to go on is
 * `kept` as an empty text part (how Gemini streams it) or `dropped` (requests:
 * Gemini refuses empty text, and only function-call signatures are required).
 */
export function placeSignatures(items: Array<GeminiPartOut | LooseSignature>, leftover: 'keep' | 'drop'): GeminiPartOut[] {
  const out: GeminiPartOut[] = []
  const waiting: string[] = []
  for (const item of items) {
    if (isLoose(item)) {
      const prev = out[out.length - 1]
      if (prev && canTakeSignature(prev) && waiting.length === 0) prev.thoughtSignature = item.looseSignature
      else waiting.push(item.looseSignature)
      continue
    }
    if (waiting.length && canTakeSignature(item)) item.thoughtSignature = waiting.shift()
    out.push(item)
  }
  if (leftover === 'keep') for (const signature of waiting) out.push({ text: '', thoughtSignature: signature })
  return out
}
