import { z } from 'zod'
import { nested, stringOrArray, typedUnion } from '../../hub/schema-helpers'

/**
 * The Chat Completions request as a client sends it. Loose: fields we do not
 * model pass through unchecked; fields we do model are checked, so a bad one is
 * a 400 that names it (`messages[3].tool_call_id: ...`).
 */


export const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() })

export const imageUrlPartSchema = z.looseObject({
  type: z.literal('image_url'),
  // Some clients send the URL as a bare string.
  image_url: z.union([z.string(), z.looseObject({ url: z.string(), detail: z.string().optional() })]),
})

const refusalPartSchema = z.looseObject({ type: z.literal('refusal'), refusal: z.string() })

/** User content parts: text and image_url are modelled; input_audio, file and the rest ride as native parts. */
const userPartSchema = typedUnion({ text: textPartSchema, image_url: imageUrlPartSchema })
const assistantPartSchema = typedUnion({ text: textPartSchema, refusal: refusalPartSchema })
const toolPartSchema = typedUnion({ text: textPartSchema, image_url: imageUrlPartSchema })

export const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string().optional() }),
})

/** OpenRouter's structured reasoning (`reasoning.text` / `reasoning.encrypted` / `reasoning.summary`). */
export const reasoningDetailSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  signature: z.string().nullish(),
  data: z.string().nullish(),
  summary: z.string().nullish(),
  format: z.string().nullish(),
  index: z.number().nullish(),
  id: z.string().nullish(),
})

const nameField = z.string().optional()

const systemMessageSchema = z.looseObject({
  role: z.literal('system'),
  content: stringOrArray(textPartSchema, 'text parts'),
  name: nameField,
})
const developerMessageSchema = systemMessageSchema.extend({ role: z.literal('developer') })

const userMessageSchema = z.looseObject({
  role: z.literal('user'),
  content: stringOrArray(userPartSchema, 'content parts'),
  name: nameField,
})

const assistantMessageSchema = z.looseObject({
  role: z.literal('assistant'),
  content: stringOrArray(assistantPartSchema, 'content parts').nullish(),
  refusal: z.string().nullish(),
  name: nameField,
  tool_calls: z.array(toolCallSchema).nullish(),
  /** Legacy single call. */
  function_call: z.looseObject({ name: z.string().min(1), arguments: z.string().optional() }).nullish(),
  reasoning_content: z.string().nullish(),
  reasoning: z.string().nullish(),
  reasoning_details: z.array(reasoningDetailSchema).nullish(),
})

const toolMessageSchema = z.looseObject({
  role: z.literal('tool'),
  tool_call_id: z.string().min(1),
  content: stringOrArray(toolPartSchema, 'content parts'),
})

/** Legacy result of a `function_call`. */
const functionMessageSchema = z.looseObject({
  role: z.literal('function'),
  name: z.string().min(1),
  content: z.string().nullish(),
})

export const messageSchema = z.discriminatedUnion('role', [
  systemMessageSchema,
  developerMessageSchema,
  userMessageSchema,
  assistantMessageSchema,
  toolMessageSchema,
  functionMessageSchema,
])

const functionToolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
})

export const toolSchema = typedUnion({ function: functionToolSchema })

const legacyFunctionSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
})

const toolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  typedUnion({
    function: z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
    custom: z.looseObject({ type: z.literal('custom'), custom: z.looseObject({ name: z.string().min(1) }) }),
    allowed_tools: z.looseObject({
      type: z.literal('allowed_tools'),
      allowed_tools: z.looseObject({ mode: z.enum(['auto', 'required']) }),
    }),
  }),
])

const responseFormatSchema = typedUnion({
  text: z.looseObject({ type: z.literal('text') }),
  json_object: z.looseObject({ type: z.literal('json_object') }),
  json_schema: z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().optional(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
})

export const reasoningEffortSchema = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'])

const positiveInt = z.number().int().positive()

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema).min(1),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  functions: z.array(legacyFunctionSchema).nullish(),
  function_call: z
    .union([z.enum(['auto', 'none']), z.looseObject({ name: z.string().min(1) })])
    .nullish(),
  max_completion_tokens: positiveInt.nullish(),
  max_tokens: positiveInt.nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  /** Not OpenAI, but vLLM and other hosts accept it. */
  top_k: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  seed: z.number().int().nullish(),
  frequency_penalty: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  response_format: responseFormatSchema.nullish(),
  reasoning_effort: reasoningEffortSchema.nullish(),
  /** OpenRouter's unified reasoning switch. */
  reasoning: z
    .looseObject({
      effort: reasoningEffortSchema.nullish(),
      max_tokens: positiveInt.nullish(),
      enabled: z.boolean().nullish(),
    })
    .nullish(),
  user: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  n: positiveInt.nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
})

export type ChatRequest = z.infer<typeof chatRequestSchema>
export type ChatMessage = z.infer<typeof messageSchema>
export type ReasoningDetail = z.infer<typeof reasoningDetailSchema>
