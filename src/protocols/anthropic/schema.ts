import { z } from 'zod'
import { own } from '../../hub/own'

/**
 * The Anthropic Messages request (POST /v1/messages), validated loosely: every
 * object accepts fields we do not model (they are ignored, or carried as native
 * parts), while the fields we do map are checked strictly so a bad value gets a
 * 400 naming it (`messages[1].role: Invalid option ...`).
 */

export const cacheControlSchema = z.looseObject({
  type: z.literal('ephemeral'),
  ttl: z.string().optional(),
})

export const textBlockSchema = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControlSchema.nullish(),
})

const imageSourceSchema = z.looseObject({ type: z.string() }).superRefine((src, ctx) => {
  // base64 and url are mapped to the hub; other sources (`file`) travel as native parts.
  const schema = src.type === 'base64' ? base64SourceSchema : src.type === 'url' ? urlSourceSchema : undefined
  if (schema) addIssues(schema, src, ctx)
})
const base64SourceSchema = z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() })
const urlSourceSchema = z.looseObject({ type: z.literal('url'), url: z.string() })

export const imageBlockSchema = z.looseObject({
  type: z.literal('image'),
  source: imageSourceSchema,
  cache_control: cacheControlSchema.nullish(),
})

export const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown().optional(),
  cache_control: cacheControlSchema.nullish(),
})

export const toolResultBlockSchema = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z
    .union([z.string(), z.array(z.looseObject({ type: z.string() }))], {
      error: 'must be a string or an array of content blocks',
    })
    .nullish(),
  is_error: z.boolean().nullish(),
  cache_control: cacheControlSchema.nullish(),
})

export const thinkingBlockSchema = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().nullish(),
})

export const redactedThinkingBlockSchema = z.looseObject({
  type: z.literal('redacted_thinking'),
  data: z.string(),
})

const KNOWN_BLOCKS: Record<string, z.ZodType> = {
  text: textBlockSchema,
  image: imageBlockSchema,
  tool_use: toolUseBlockSchema,
  tool_result: toolResultBlockSchema,
  thinking: thinkingBlockSchema,
  redacted_thinking: redactedThinkingBlockSchema,
}

/** Re-reports a sub-schema's issues on the current value (paths are relative to it). */
function addIssues(schema: z.ZodType, value: unknown, ctx: z.RefinementCtx): void {
  const result = schema.safeParse(value)
  if (result.success) return
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never)
}

/** A content block: known types are checked field by field, any other `type` passes untouched. */
export const contentBlockSchema = z.looseObject({ type: z.string() }).superRefine((block, ctx) => {
  const schema = own(KNOWN_BLOCKS, block.type)
  if (schema) addIssues(schema, block, ctx)
})

export const messageSchema = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(contentBlockSchema)], {
    error: 'must be a string or an array of content blocks',
  }),
})

export const toolSchema = z
  .looseObject({
    name: z.string().min(1),
    type: z.string().nullish(),
    description: z.string().nullish(),
    input_schema: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
    cache_control: cacheControlSchema.nullish(),
  })
  .superRefine((tool, ctx) => {
    const custom = tool.type == null || tool.type === 'custom'
    if (custom && tool.input_schema == null)
      ctx.addIssue({ code: 'custom', path: ['input_schema'], message: 'Field required for a custom tool' })
  })

export const toolChoiceSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().nullish() }),
  z.looseObject({ type: z.literal('none') }),
])

export const thinkingSchema = z.looseObject({ type: z.string() }).superRefine((thinking, ctx) => {
  if (thinking.type === 'enabled')
    addIssues(z.looseObject({ budget_tokens: z.number().int().positive() }), thinking, ctx)
  else if (thinking.type === 'adaptive')
    addIssues(z.looseObject({ display: z.enum(['summarized', 'omitted']).nullish() }), thinking, ctx)
})

export const outputFormatSchema = z.looseObject({
  type: z.literal('json_schema'),
  schema: z.record(z.string(), z.unknown()),
})

export const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const

export const requestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema),
  system: z
    .union([z.string(), z.array(textBlockSchema)], { error: 'must be a string or an array of text blocks' })
    .nullish(),
  // 0 is valid: Anthropic uses it to pre-warm the prompt cache without generating.
  max_tokens: z.number().int().nonnegative().nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().nonnegative().nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  stream: z.boolean().nullish(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).nullish(),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  thinking: thinkingSchema.nullish(),
  output_config: z
    .looseObject({
      effort: z.enum(EFFORTS).nullish(),
      format: outputFormatSchema.nullish(),
    })
    .nullish(),
  /** The structured-outputs beta spelling (`structured-outputs-2025-11-13`), before `output_config.format`. */
  output_format: outputFormatSchema.nullish(),
})

export type AnthropicRequest = z.infer<typeof requestSchema>
export type AnthropicMessage = z.infer<typeof messageSchema>
export type AnthropicTool = z.infer<typeof toolSchema>
export type AnthropicTextBlock = z.infer<typeof textBlockSchema>
export type AnthropicImageBlock = z.infer<typeof imageBlockSchema>
export type AnthropicToolUseBlock = z.infer<typeof toolUseBlockSchema>
export type AnthropicToolResultBlock = z.infer<typeof toolResultBlockSchema>
export type AnthropicThinkingBlock = z.infer<typeof thinkingBlockSchema>
export type AnthropicRedactedThinkingBlock = z.infer<typeof redactedThinkingBlockSchema>
