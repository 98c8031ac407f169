import type { ContentPart, NativePart } from '../../hub/request'
import { packCallId, unwrapSignature } from '../../hub/signature-envelope'

export const PROTOCOL = 'gemini'
/** The format of every signature Gemini makes (OpenRouter's name for it). */
export const FORMAT = 'google-gemini-v1'

type Json = Record<string, unknown>

/** Part fields that qualify a part rather than say what it holds. */
const PART_METADATA = new Set(['thought', 'thoughtSignature', 'videoMetadata', 'partMetadata', 'mediaResolution'])

export interface DecodePartOptions {
  /** The id for a functionCall that carries none. */
  callId(): string
  /**
   * Responses put a call's thoughtSignature into its id as well (packCallId), so
   * clients of other protocols, which send back only the id, still return it.
   */
  packIds: boolean
}

/**
 * One Gemini part (request history or response) → hub parts.
 * - `{text, thought: true}` → thinking; its thoughtSignature is the thinking's signature.
 * - `{text}` → text. A thoughtSignature on it (Gemini 3 signs the last part of a
 *   turn) follows as a thinking part with no text, so it can be given back.
 * - functionCall → tool_call (arguments as JSON text, thoughtSignature as signature).
 * - inlineData / fileData with an image/* type → image; other media → native.
 * - functionResponse is left to the request decoder (it needs the call it answers).
 * - Anything else (executableCode, codeExecutionResult, …) → native, raw.
 */
export function decodePart(part: Json, opts: DecodePartOptions): ContentPart[] {
  const rawSignature = typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '' ? part.thoughtSignature : undefined

  if (isObj(part.functionCall)) {
    const fc = part.functionCall
    const id = typeof fc.id === 'string' && fc.id !== '' ? fc.id : opts.callId()
    const call: ContentPart = {
      type: 'tool_call',
      id: opts.packIds ? packCallId(id, rawSignature) : id,
      name: typeof fc.name === 'string' ? fc.name : '',
      arguments: JSON.stringify(isObj(fc.args) ? fc.args : {}),
    }
    if (rawSignature) call.signature = rawSignature
    return [call]
  }

  const signature = rawSignature ? unwrapSignature(rawSignature, FORMAT) : undefined
  const out: ContentPart[] = []
  if (typeof part.text === 'string') {
    if (part.thought === true) return [{ type: 'thinking', text: part.text, ...(signature ?? { format: FORMAT }) }]
    if (part.text !== '') out.push({ type: 'text', text: part.text })
  } else if (isObj(part.inlineData) && isImage(part.inlineData.mimeType) && typeof part.inlineData.data === 'string') {
    out.push({ type: 'image', source: { kind: 'base64', mediaType: part.inlineData.mimeType as string, data: part.inlineData.data } })
  } else if (isObj(part.fileData) && isImage(part.fileData.mimeType) && typeof part.fileData.fileUri === 'string') {
    out.push({ type: 'image', source: { kind: 'url', url: part.fileData.fileUri } })
  } else {
    return [nativePart(part)] // the raw part keeps its signature
  }
  if (signature) out.push({ type: 'thinking', text: '', ...signature })
  return out
}

/**
 * Adds decoded parts to a turn. Thinking that follows unsigned thinking continues
 * it (clients keep streamed thought fragments as separate parts), and a
 * signature that follows it closes it: one thought, one signature, as the
 * provider that signed it expects them together.
 */
export function pushParts(out: ContentPart[], parts: ContentPart[]): void {
  for (const part of parts) {
    const last = out[out.length - 1]
    if (part.type === 'thinking' && last?.type === 'thinking' && last.signature === undefined) {
      last.text += part.text
      if (part.signature !== undefined) {
        last.signature = part.signature
        if (part.format !== undefined) last.format = part.format
      }
    } else out.push(part)
  }
}

export function nativePart(part: Json): NativePart {
  const kind = Object.keys(part).find((k) => !PART_METADATA.has(k)) ?? 'empty'
  return { type: 'native', protocol: PROTOCOL, label: `part "${kind}"`, raw: part }
}

const isImage = (mime: unknown) => typeof mime === 'string' && mime.toLowerCase().startsWith('image/')

export const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v)
