import { z } from 'zod'
import { setOwn } from '../../hub/own'

/**
 * The Gemini GenerateContentRequest (POST /v1beta/models/{model}:generateContent
 * and :streamGenerateContent), validated loosely: every object accepts fields we
 * do not model, while the fields we map are checked so a bad value gets a 400
 * naming it (`contents[1].role: Invalid option ...`). The model and streaming
 * come from the URL, never from the body.
 *
 * Google's REST API also accepts the proto field names (`system_instruction`,
 * `inline_data`, `mime_type` …), and its own curl examples use them: bodies are
 * camelized first (see camelizeRequest), leaving free-form values (function
 * arguments, responses, schemas) untouched.
 */

/** Enum values compared without regard to case (`ANY`, `any`). */
const upperEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(values))

const blobSchema = z.looseObject({ mimeType: z.string(), data: z.string() })
const fileDataSchema = z.looseObject({ mimeType: z.string().nullish(), fileUri: z.string() })

export const functionCallSchema = z.looseObject({
  id: z.string().nullish(),
  name: z.string().min(1),
  args: z.record(z.string(), z.unknown()).nullish(),
})

export const functionResponseSchema = z.looseObject({
  id: z.string().nullish(),
  name: z.string().min(1),
  response: z.record(z.string(), z.unknown()).nullish(),
  /** Gemini 3 multimodal function responses: inline images beside the JSON. */
  parts: z.array(z.looseObject({ inlineData: blobSchema.nullish() })).nullish(),
})

export const partSchema = z.looseObject({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  inlineData: blobSchema.nullish(),
  fileData: fileDataSchema.nullish(),
  functionCall: functionCallSchema.nullish(),
  functionResponse: functionResponseSchema.nullish(),
})

export const contentSchema = z.looseObject({
  role: z.enum(['user', 'model', 'function']).nullish(),
  parts: z.array(partSchema),
})

export const functionDeclarationSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullish(),
  /** The OpenAPI-subset schema (upper-case types allowed). */
  parameters: z.record(z.string(), z.unknown()).nullish(),
  /** Plain JSON Schema (what the Gemini CLI sends). */
  parametersJsonSchema: z.unknown().optional(),
})

export const toolSchema = z.looseObject({
  functionDeclarations: z.array(functionDeclarationSchema).nullish(),
})

export const FUNCTION_CALLING_MODES = ['AUTO', 'ANY', 'NONE', 'VALIDATED', 'MODE_UNSPECIFIED'] as const
export const THINKING_LEVELS = ['MINIMAL', 'LOW', 'MEDIUM', 'HIGH', 'THINKING_LEVEL_UNSPECIFIED'] as const

export const toolConfigSchema = z.looseObject({
  functionCallingConfig: z
    .looseObject({
      mode: upperEnum(FUNCTION_CALLING_MODES).nullish(),
      allowedFunctionNames: z.array(z.string()).nullish(),
    })
    .nullish(),
})

export const thinkingConfigSchema = z.looseObject({
  thinkingBudget: z.number().int().min(-1).nullish(),
  includeThoughts: z.boolean().nullish(),
  thinkingLevel: upperEnum(THINKING_LEVELS).nullish(),
})

export const generationConfigSchema = z.looseObject({
  temperature: z.number().min(0).max(2).nullish(),
  topP: z.number().min(0).max(1).nullish(),
  topK: z.number().nonnegative().nullish(),
  candidateCount: z.number().int().positive().nullish(),
  maxOutputTokens: z.number().int().positive().nullish(),
  stopSequences: z.array(z.string()).nullish(),
  seed: z.number().int().nullish(),
  presencePenalty: z.number().nullish(),
  frequencyPenalty: z.number().nullish(),
  responseMimeType: z.string().nullish(),
  responseSchema: z.record(z.string(), z.unknown()).nullish(),
  responseJsonSchema: z.unknown().optional(),
  thinkingConfig: thinkingConfigSchema.nullish(),
})

export const requestSchema = z.looseObject({
  contents: z.array(contentSchema).min(1),
  systemInstruction: z
    .union([z.string(), z.looseObject({ role: z.string().nullish(), parts: z.array(partSchema) })], {
      error: 'must be a Content object ({parts: [...]}) or a string',
    })
    .nullish(),
  tools: z.array(toolSchema).nullish(),
  toolConfig: toolConfigSchema.nullish(),
  generationConfig: generationConfigSchema.nullish(),
  safetySettings: z.array(z.looseObject({})).nullish(),
  cachedContent: z.string().nullish(),
})

export type GeminiRequest = z.infer<typeof requestSchema>
export type GeminiContent = z.infer<typeof contentSchema>
export type GeminiPart = z.infer<typeof partSchema>
export type GeminiFunctionDeclaration = z.infer<typeof functionDeclarationSchema>

/** Values kept exactly as sent: argument objects, function responses, schemas, free-form maps. */
const OPAQUE = new Set([
  'args',
  'response',
  'parameters',
  'parametersJsonSchema',
  'responseSchema',
  'responseJsonSchema',
  'responseJsonSchemaOrdered',
  'labels',
  'metadata',
])

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/**
 * Renames snake_case keys to camelCase through the request's structure (a
 * camelCase key wins over its snake_case twin), without entering opaque values.
 */
export function camelizeRequest(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeRequest)
  if (!value || typeof value !== 'object') return value
  const src = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(src)) {
    const name = camel(key)
    if (name !== key && Object.hasOwn(src, name)) continue // the camelCase spelling is also present: it wins
    setOwn(out, name, OPAQUE.has(name) ? v : camelizeRequest(v))
  }
  return out
}
