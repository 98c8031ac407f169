import { invalidRequest } from '../../hub/errors'
import type {
  HubRequest,
  HubTool,
  ImagePart,
  RedactedThinkingPart,
  ResponseFormat,
  ThinkingPart,
  ToolCallPart,
  ToolChoice,
  ToolResultPart,
} from '../../hub/request'
import { toolsFor } from '../../hub/tools'
import type { EncodeRequestContext } from '../types'
import { groupNamespaces, itemName, namespacedNames } from './namespaces'
import { compact, isItemLabel, OWN_FORMAT, PROTOCOL } from './wire'

type Wire = Record<string, unknown>

/** OpenAI refuses a smaller `max_output_tokens`. */
export const MIN_OUTPUT_TOKENS = 16

/**
 * HubRequest → a Responses body for an OpenAI Responses upstream.
 *
 * The gateway stays stateless toward the upstream: `store: false`, and for
 * reasoning models `include: ['reasoning.encrypted_content']`, so reasoning
 * comes back in full and goes back in the next request's input (an `rs_` id
 * alone cannot be looked up when nothing is stored). Every visible change
 * (dropped knobs, dropped foreign reasoning) is reported through ctx.warn.
 */
export function encodeRequest(req: HubRequest, ctx: EncodeRequestContext): Record<string, unknown> {
  if (req.n !== undefined && req.n > 1)
    throw invalidRequest(`n=${req.n} is not supported: the Responses API returns one response per request.`, 'n')
  const warnOnce = onceEach(ctx.warn)

  // A model the provider marks as not reasoning takes neither reasoning settings nor reasoning items;
  // with no such flag, asking for thinking is what says it reasons.
  const flagged = ctx.quirks.reasoningModel?.(ctx.model)
  const reasoningModel = flagged ?? req.thinking?.enabled === true

  const body: Record<string, unknown> = { model: ctx.model }
  if (req.system.length) body.instructions = req.system.map((p) => p.text).join('\n\n')
  body.input = encodeInput(req, warnOnce, flagged !== false)

  const tools = toolsFor(req.tools, { protocol: PROTOCOL, customTools: true, warn: ctx.warn })
  if (tools.length) body.tools = groupNamespaces(tools, encodeTool)
  if (req.toolChoice) {
    if (!tools.length && (req.toolChoice.type === 'tool' || req.toolChoice.type === 'required'))
      ctx.warn('tool_choice dropped: the request has no tools')
    else body.tool_choice = encodeToolChoice(req.toolChoice, tools)
  }
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls

  if (reasoningModel) {
    body.include = ['reasoning.encrypted_content']
    if (req.thinking?.enabled) {
      const effort = reasoningEffort(req)
      body.reasoning = effort ? { effort, summary: 'auto' } : { summary: 'auto' }
    }
  } else if (req.thinking?.enabled) {
    ctx.warn(`Reasoning settings dropped: ${ctx.model} is not configured as a reasoning model.`)
  }
  body.store = false

  if (req.maxTokens !== undefined) {
    if (req.maxTokens < MIN_OUTPUT_TOKENS)
      ctx.warn(`max_output_tokens ${req.maxTokens} raised to ${MIN_OUTPUT_TOKENS} (the Responses API minimum)`)
    body.max_output_tokens = Math.max(req.maxTokens, MIN_OUTPUT_TOKENS)
  }
  const knobs: Array<[string, string, number | undefined]> = [
    ['temperature', 'temperature', req.temperature],
    ['top_p', 'top_p', req.topP],
  ]
  for (const [name, field, value] of knobs) {
    if (value === undefined) continue
    if (flagged) ctx.warn(`${name} dropped: ${ctx.model} is a reasoning model and does not accept it.`)
    else body[field] = value
  }
  if (req.topK !== undefined) ctx.warn('top_k dropped: the Responses API has no top_k')
  if (req.stopSequences?.length) ctx.warn('stop sequences dropped: the Responses API has no stop parameter')
  if (req.seed !== undefined) ctx.warn('seed dropped: the Responses API has no seed')
  if (req.frequencyPenalty !== undefined) ctx.warn('frequency_penalty dropped: the Responses API has no penalties')
  if (req.presencePenalty !== undefined) ctx.warn('presence_penalty dropped: the Responses API has no penalties')

  if (req.responseFormat) body.text = { format: encodeTextFormat(req.responseFormat) }
  if (req.userId !== undefined) body.user = req.userId
  if (req.metadata !== undefined) body.metadata = req.metadata
  body.stream = req.stream
  return body
}

// ---------------------------------------------------------------------------
// Input items

/**
 * Hub messages → input items, in order. Text and images of one message become
 * one message item (system messages become developer messages); tool calls,
 * tool results and reasoning are items of their own, placed where they were.
 */
function encodeInput(req: HubRequest, warnOnce: (m: string) => void, reasoningAllowed: boolean): unknown[] {
  const items: unknown[] = []
  const names = namespacedNames(req.tools)
  const customCalls = new Set<string>()
  for (const m of req.messages)
    for (const p of m.content) if (p.type === 'tool_call' && p.kind === 'custom') customCalls.add(p.id)

  req.messages.forEach((m, i) => {
    const role = m.role === 'system' ? 'developer' : m.role
    let parts: unknown[] = []
    const flush = () => {
      if (parts.length) items.push({ type: 'message', role, content: parts })
      parts = []
    }
    const item = (value: unknown) => {
      flush()
      items.push(value)
    }
    m.content.forEach((part, j) => {
      const where = `messages[${i}].content[${j}]`
      switch (part.type) {
        case 'text':
          if (part.text !== '') parts.push({ type: role === 'assistant' ? 'output_text' : 'input_text', text: part.text })
          return
        case 'image':
          if (role === 'assistant') throw invalidRequest('An image in an assistant message cannot be sent to an OpenAI Responses upstream', where)
          parts.push(inputImage(part))
          return
        case 'tool_call':
          return item(callItem(part, names))
        case 'tool_result':
          return item(outputItem(part, customCalls.has(part.toolCallId)))
        case 'thinking':
        case 'redacted_thinking': {
          const reasoning = reasoningItem(part, warnOnce, reasoningAllowed)
          if (reasoning) item(reasoning)
          return
        }
        case 'native':
          if (part.protocol !== PROTOCOL) throw invalidRequest(`${part.label} cannot be sent to an OpenAI Responses upstream`, where)
          if (isItemLabel(part.label)) item(part.raw)
          else parts.push(part.raw)
          return
      }
    })
    flush()
  })
  return items
}

export function inputImage(part: ImagePart): Wire {
  const url = part.source.kind === 'base64' ? `data:${part.source.mediaType};base64,${part.source.data}` : part.source.url
  return { type: 'input_image', image_url: url, detail: part.detail ?? 'auto' }
}

/** A call in the history; one of a namespaced tool gets its own name and `namespace` back. */
function callItem(call: ToolCallPart, names: ReturnType<typeof namespacedNames>): Wire {
  const named = itemName(call, names)
  if (call.kind === 'custom') return { type: 'custom_tool_call', call_id: call.id, ...named, input: call.arguments }
  // An empty string is not JSON; OpenAI wants an object.
  return { type: 'function_call', call_id: call.id, ...named, arguments: call.arguments === '' ? '{}' : call.arguments }
}

/** A tool result: text as a string; with images, an array of input_text / input_image parts. */
function outputItem(result: ToolResultPart, custom: boolean): Wire {
  const type = custom ? 'custom_tool_call_output' : 'function_call_output'
  const content = result.content
  let output: string | Wire[]
  if (typeof content === 'string') output = content
  else if (content.every((p) => p.type === 'text')) output = content.map((p) => (p as { text: string }).text).join('\n\n')
  else output = content.map((p) => (p.type === 'text' ? { type: 'input_text', text: p.text } : inputImage(p)))
  return { type, call_id: result.toolCallId, output }
}

/**
 * Reasoning goes back only when OpenAI made it (its format, or an `rs_` id) and
 * carries its encrypted content: with `store: false` a bare id cannot be looked up.
 */
function reasoningItem(
  part: ThinkingPart | RedactedThinkingPart,
  warnOnce: (m: string) => void,
  allowed: boolean,
): Wire | undefined {
  const own = part.format === OWN_FORMAT || (part.format === undefined && part.id?.startsWith('rs_') === true)
  if (!own) {
    warnOnce('reasoning from another provider dropped from the history (OpenAI accepts only its own encrypted reasoning)')
    return undefined
  }
  const encrypted = part.type === 'thinking' ? part.signature : part.data
  if (!encrypted) {
    warnOnce('reasoning without encrypted content dropped from the history (with store: false OpenAI cannot look it up by id)')
    return undefined
  }
  if (!allowed) {
    warnOnce('reasoning dropped from the history: the model is not a reasoning model')
    return undefined
  }
  const text = part.type === 'thinking' ? part.text : ''
  return compact({
    type: 'reasoning',
    id: part.id,
    summary: text ? [{ type: 'summary_text', text }] : [],
    encrypted_content: encrypted,
  })
}

// ---------------------------------------------------------------------------
// Tools, tool choice, output format (also echoed in encoded responses)

export function encodeTool(tool: HubTool): unknown {
  if (tool.native) return tool.native.raw
  if (tool.kind === 'custom')
    return compact({ type: 'custom', name: tool.name, description: tool.description, format: tool.customFormat })
  // The Responses API makes function tools strict unless told otherwise, and strict mode refuses most schemas.
  return compact({
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    strict: tool.strict ?? false,
  })
}

export function encodeToolChoice(choice: ToolChoice, tools: readonly HubTool[]): unknown {
  if (choice.type !== 'tool') return choice.type
  const tool = tools.find((t) => t.name === choice.name && !t.native)
  const type = tool?.kind === 'custom' ? 'custom' : 'function'
  if (tool?.namespace) return { type, name: tool.namespace.localName, namespace: tool.namespace.name }
  return { type, name: choice.name }
}

export function encodeTextFormat(rf: ResponseFormat): Wire {
  if (rf.type !== 'json_schema') return { type: rf.type }
  return compact({
    type: 'json_schema',
    name: rf.name ?? 'response',
    description: rf.description,
    schema: rf.schema,
    strict: rf.strict,
  })
}

/** The client's effort, else one derived from its budget. `max` is OpenAI's `xhigh`. */
function reasoningEffort(req: HubRequest): string | undefined {
  const t = req.thinking
  if (!t?.enabled) return undefined
  if (t.effort) return t.effort === 'max' ? 'xhigh' : t.effort
  if (t.budgetTokens !== undefined) return t.budgetTokens <= 2048 ? 'low' : t.budgetTokens <= 8192 ? 'medium' : 'high'
  return undefined
}

/** Wraps warn so each distinct message is reported once per request. */
function onceEach(warn: (m: string) => void): (m: string) => void {
  const seen = new Set<string>()
  return (m) => {
    if (seen.has(m)) return
    seen.add(m)
    warn(m)
  }
}
