import { z } from 'zod'
import { nested, stringOrArray, typedUnion, type CheckContext } from '../../hub/schema-helpers'
import { reasoningEffortSchema } from '../openai-chat/schema'
import { own } from '../../hub/own'

/**
 * The Responses request (`POST /v1/responses`) as a client sends it. Loose:
 * fields we do not model pass through unchecked (store, include,
 * prompt_cache_key, client_metadata …); fields we do model are checked, so a bad
 * one is a 400 that names it (`input[3].call_id: ...`).
 */


// ---------------------------------------------------------------------------
// Content parts

const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() })
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() })
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() })
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().nullish(),
  file_id: z.string().nullish(),
  detail: z.string().nullish(),
})

/** Message content parts: text, images and refusals are modelled; input_file and the rest ride as native parts. */
const contentPart = typedUnion({ input_text: inputText, output_text: outputText, refusal, input_image: inputImage })

/** Parts of a tool output given as an array. */
const outputPart = typedUnion({ input_text: inputText, output_text: outputText, input_image: inputImage })

/** A tool output: a string or an array of parts; anything else is kept as JSON text. */
const toolOutput = z.unknown().check((ctx) => {
  if (Array.isArray(ctx.value)) nested(ctx as CheckContext, z.array(outputPart))
  else if (ctx.value === undefined) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'Invalid input: expected output' })
})

// ---------------------------------------------------------------------------
// Tools

const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
})

const customTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().min(1),
  description: z.string().nullish(),
  format: z.unknown().optional(),
})

/** A group of function and custom tools (Codex declares its tools this way; see namespaces.ts). */
const namespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: z.string().min(1),
  description: z.string().nullish(),
  tools: z.array(typedUnion({ function: functionTool, custom: customTool })),
})

/** function, custom and namespace tools are modelled; web_search, tool_search, mcp … pass through as native tools. */
export const toolSchema = typedUnion({ function: functionTool, custom: customTool, namespace: namespaceTool })

// ---------------------------------------------------------------------------
// Input items

export const ROLES = ['user', 'assistant', 'system', 'developer'] as const

const messageItem = z.looseObject({
  type: z.literal('message').nullish(),
  role: z.enum(ROLES),
  content: stringOrArray(contentPart, 'content parts'),
})

const functionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
})

const customToolCallItem = z.looseObject({
  type: z.literal('custom_tool_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  input: z.string(),
})

const functionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1),
  output: toolOutput,
})

const customToolCallOutputItem = functionCallOutputItem.extend({ type: z.literal('custom_tool_call_output') })

const reasoningItem = z.looseObject({
  type: z.literal('reasoning'),
  id: z.string().nullish(),
  summary: z.array(z.looseObject({ type: z.string(), text: z.string() })).nullish(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
})

const additionalToolsItem = z.looseObject({
  type: z.literal('additional_tools'),
  tools: z.array(toolSchema),
})

const itemReference = z.looseObject({ type: z.literal('item_reference').nullish(), id: z.string().min(1) })

const ITEMS: Record<string, z.ZodType> = {
  message: messageItem,
  function_call: functionCallItem,
  custom_tool_call: customToolCallItem,
  function_call_output: functionCallOutputItem,
  custom_tool_call_output: customToolCallOutputItem,
  reasoning: reasoningItem,
  additional_tools: additionalToolsItem,
  item_reference: itemReference,
}

/** The type an item is read as: its `type`, or for a bare item, `message` (it has a role) or `item_reference`. */
export function itemType(item: { type?: unknown; role?: unknown }): string {
  if (typeof item.type === 'string') return item.type
  return item.role !== undefined ? 'message' : 'item_reference'
}

export const inputItemSchema = z.looseObject({ type: z.string().nullish() }).check((ctx) => {
  const schema = own(ITEMS, itemType(ctx.value))
  if (schema) nested(ctx as CheckContext, schema)
})

// ---------------------------------------------------------------------------
// The request

const toolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  typedUnion({
    function: z.looseObject({ type: z.literal('function'), name: z.string().min(1), namespace: z.string().nullish() }),
    custom: z.looseObject({ type: z.literal('custom'), name: z.string().min(1), namespace: z.string().nullish() }),
    allowed_tools: z.looseObject({ type: z.literal('allowed_tools'), mode: z.enum(['auto', 'required']) }),
  }),
])

const textFormatSchema = typedUnion({
  text: z.looseObject({ type: z.literal('text') }),
  json_object: z.looseObject({ type: z.literal('json_object') }),
  json_schema: z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().optional(),
    description: z.string().nullish(),
    schema: z.record(z.string(), z.unknown()),
    strict: z.boolean().nullish(),
  }),
})

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: stringOrArray(inputItemSchema, 'input items').optional(),
  instructions: z.string().nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  reasoning: z.looseObject({ effort: reasoningEffortSchema.nullish(), summary: z.string().nullish() }).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  text: z.looseObject({ format: textFormatSchema.nullish() }).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  stream: z.boolean().nullish(),
})

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>

/** Wire shapes the schema has already checked (its typed unions stay loose in TypeScript). */
export type WireItem = { type?: string | null; [key: string]: unknown }
export type WirePart = { type: string; [key: string]: unknown }
