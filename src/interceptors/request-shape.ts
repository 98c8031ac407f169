import type { ProtocolId } from '../protocols/types'

const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Whether a client's body declares tools, read without decoding it (every protocol calls the field `tools`). */
export function declaresTools(_front: ProtocolId, body: Record<string, unknown>): boolean {
  return nonEmpty(body.tools)
}

/**
 * Whether the client asked for a JSON answer, read without decoding: OpenAI Chat
 * `response_format`, Responses `text.format`, Gemini `generationConfig`
 * `responseMimeType`/`responseSchema`/`responseJsonSchema`, Anthropic `output_format`
 * (or `output_config.format`).
 */
export function asksForJson(front: ProtocolId, body: Record<string, unknown>): boolean {
  const jsonType = (f: unknown) => isObject(f) && (f.type === 'json_object' || f.type === 'json_schema')
  switch (front) {
    case 'openai-chat':
      return jsonType(body.response_format)
    case 'openai-responses':
      return isObject(body.text) && jsonType(body.text.format)
    case 'anthropic':
      return isObject(body.output_format) || (isObject(body.output_config) && isObject(body.output_config.format))
    case 'gemini':
    case 'gemini-code-assist': {
      const g = isObject(body.generationConfig) ? body.generationConfig : isObject(body.generation_config) ? body.generation_config : undefined
      if (!g) return false
      const mime = g.responseMimeType ?? g.response_mime_type
      return mime === 'application/json' || g.responseSchema !== undefined || g.responseJsonSchema !== undefined || g.response_schema !== undefined
    }
  }
}
