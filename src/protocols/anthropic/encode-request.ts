import { invalidRequest } from '../../hub/errors'
import { parseToolArguments } from '../../hub/json'
import { unpackCallId } from '../../hub/signature-envelope'
import { functionArguments, toolsFor } from '../../hub/tools'
import type {
  ContentPart,
  HubMessage,
  HubRequest,
  HubTool,
  ImagePart,
  ReasoningEffort,
  TextPart,
  ToolResultPart,
} from '../../hub/request'
import type { EncodeRequestContext } from '../types'
import { cacheControlField } from './cache-control'
import { PROTOCOL } from './decode-request'

/** max_tokens is required by Anthropic; used when the client gave none (plus the thinking budget, if any). */
export const DEFAULT_MAX_TOKENS = 8192

/** Anthropic's smallest accepted `budget_tokens`. */
export const MIN_THINKING_BUDGET = 1024

/**
 * Thinking budget for a client that only named an effort (OpenAI `reasoning_effort`).
 * A request with thinking but neither budget nor effort gets the `medium` budget.
 */
export const EFFORT_BUDGET: Record<ReasoningEffort, number> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
  xhigh: 32000,
  max: 32000,
}

type Block = Record<string, unknown> & { type: string }
type Role = HubMessage['role']

/**
 * HubRequest → an Anthropic Messages body. Every change the upstream forces
 * (clamped or dropped values) is reported through ctx.warn.
 */
export function encodeRequest(req: HubRequest, ctx: EncodeRequestContext): Record<string, unknown> {
  if (req.n !== undefined && req.n > 1)
    throw invalidRequest(`n=${req.n} is not supported: an Anthropic upstream returns one choice per request.`, 'n')

  const body: Record<string, unknown> = { model: ctx.model }
  const warnOnce = onceEach(ctx.warn)

  // Leading system messages join the top-level system prompt; later ones stay in place.
  const system: Block[] = req.system.flatMap((p) => encodeText(p))
  let first = 0
  while (first < req.messages.length && req.messages[first]!.role === 'system') {
    system.push(...req.messages[first]!.content.flatMap((p, j) => encodePart(p, `messages[${first}].content[${j}]`, warnOnce)))
    first++
  }
  if (system.length) body.system = system
  body.messages = encodeMessages(req.messages, first, warnOnce)

  // Tools and tool choice.
  const tools = toolsFor(req.tools, { protocol: PROTOCOL, customTools: false, warn: ctx.warn }).map(encodeTool)
  if (tools.length) body.tools = tools
  const toolChoice = encodeToolChoice(req, tools.length > 0, ctx)
  if (toolChoice) body.tool_choice = toolChoice

  // Sampling.
  let temperature = req.temperature
  if (temperature !== undefined && temperature > 1) {
    ctx.warn(`temperature ${temperature} clamped to 1 (Anthropic accepts 0-1)`)
    temperature = 1
  }
  let topP = req.topP
  let topK = req.topK

  // Thinking.
  const thinking = encodeThinking(req, ctx)
  let thinkingBody = thinking.thinking
  if (thinkingBody && thinkingBody.type !== 'disabled') {
    const forced = toolChoice && (toolChoice.type === 'any' || toolChoice.type === 'tool')
    if (forced) {
      ctx.warn('thinking dropped: Anthropic does not allow forced tool use (tool_choice any/tool) with thinking')
      thinkingBody = undefined
    } else if (thinkingBody.type === 'enabled' && lastAssistantLacksThinking(body.messages as AnthropicMessage[])) {
      // Manual (budget) thinking requires the last assistant turn of a tool loop to start with its
      // thinking block; history from a client that cannot carry it back would get a 400.
      ctx.warn(
        'thinking dropped: the last assistant turn calls tools without a signed thinking block, which Anthropic rejects with thinking enabled',
      )
      thinkingBody = undefined
    }
  }
  const thinkingOn = thinkingBody !== undefined && thinkingBody.type !== 'disabled'
  if (thinkingOn) {
    if (temperature !== undefined && temperature !== 1) {
      ctx.warn(`temperature ${temperature} dropped: Anthropic does not allow a non-default temperature with thinking`)
      temperature = undefined
    }
    if (topK !== undefined) {
      ctx.warn(`top_k ${topK} dropped: Anthropic does not allow top_k with thinking`)
      topK = undefined
    }
    if (topP !== undefined && topP < 0.95) {
      ctx.warn(`top_p ${topP} dropped: Anthropic allows only top_p 0.95-1 with thinking`)
      topP = undefined
    }
  }
  if (temperature !== undefined && topP !== undefined) {
    ctx.warn(`top_p ${topP} dropped: current Anthropic models refuse temperature and top_p together`)
    topP = undefined
  }
  if (thinkingBody) body.thinking = thinkingBody

  // max_tokens: required, and above the thinking budget.
  const budget = thinkingOn && thinkingBody?.type === 'enabled' ? thinkingBody.budget_tokens : undefined
  let maxTokens = req.maxTokens
  if (maxTokens === undefined) maxTokens = budget !== undefined ? budget + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS
  else if (budget !== undefined && maxTokens <= budget) {
    const raised = budget + maxTokens
    ctx.warn(`max_tokens ${maxTokens} raised to ${raised} to exceed the thinking budget of ${budget}`)
    maxTokens = raised
  }
  body.max_tokens = maxTokens

  if (temperature !== undefined) body.temperature = temperature
  if (topP !== undefined) body.top_p = topP
  if (topK !== undefined) body.top_k = topK

  if (req.stopSequences?.length) {
    const stops = req.stopSequences.filter((s) => s.trim() !== '')
    if (stops.length < req.stopSequences.length) ctx.warn('whitespace-only stop sequences dropped (Anthropic rejects them)')
    if (stops.length) body.stop_sequences = stops
  }

  // Output config: effort and structured output.
  const outputConfig: Record<string, unknown> = {}
  if (thinking.effort) outputConfig.effort = thinking.effort
  if (req.responseFormat?.type === 'json_schema')
    outputConfig.format = { type: 'json_schema', schema: req.responseFormat.schema }
  else if (req.responseFormat?.type === 'json_object')
    ctx.warn('response_format json_object dropped: Anthropic supports only a json_schema output format')
  if (Object.keys(outputConfig).length) body.output_config = outputConfig

  if (req.userId) body.metadata = { user_id: req.userId }
  if (req.metadata && Object.keys(req.metadata).length)
    ctx.warn('metadata dropped: Anthropic accepts only metadata.user_id')
  if (req.seed !== undefined) ctx.warn('seed dropped: Anthropic has no seed parameter')
  if (req.frequencyPenalty !== undefined) ctx.warn('frequency_penalty dropped: Anthropic has no equivalent')
  if (req.presencePenalty !== undefined) ctx.warn('presence_penalty dropped: Anthropic has no equivalent')

  body.stream = req.stream
  return body
}

// ---------------------------------------------------------------------------
// Messages

interface AnthropicMessage {
  role: Role
  content: Block[]
}

/**
 * Encodes messages[from…]. Empty messages are skipped, consecutive same-role
 * messages merged (Anthropic needs alternation), and each merged turn ordered:
 * assistant → thinking first, then text, then tool_use; user → tool_result first.
 */
function encodeMessages(messages: HubMessage[], from: number, warnOnce: (m: string) => void): AnthropicMessage[] {
  const out: AnthropicMessage[] = []
  for (let i = from; i < messages.length; i++) {
    const msg = messages[i]!
    const blocks = msg.content.flatMap((p, j) => encodePart(p, `messages[${i}].content[${j}]`, warnOnce))
    if (!blocks.length) continue
    const prev = out[out.length - 1]
    if (prev && prev.role === msg.role) prev.content.push(...blocks)
    else out.push({ role: msg.role, content: blocks })
  }
  for (const m of out) m.content = orderBlocks(m.role, m.content)
  return out
}

const isServerBlock = (b: Block) => !['text', 'image', 'thinking', 'redacted_thinking', 'tool_use', 'tool_result'].includes(b.type)

function orderBlocks(role: Role, blocks: Block[]): Block[] {
  if (role === 'assistant') {
    const thinking = blocks.filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking')
    const rest = blocks.filter((b) => b.type !== 'thinking' && b.type !== 'redacted_thinking')
    // Native server blocks (server_tool_use + its result …) came from an Anthropic client in a valid order: keep it.
    if (rest.some(isServerBlock)) return [...thinking, ...rest]
    const toolUses = rest.filter((b) => b.type === 'tool_use')
    return [...thinking, ...rest.filter((b) => b.type !== 'tool_use'), ...toolUses]
  }
  if (role === 'user') {
    const results = blocks.filter((b) => b.type === 'tool_result')
    return results.length ? [...results, ...blocks.filter((b) => b.type !== 'tool_result')] : blocks
  }
  return blocks
}

/** One hub part → zero or more Anthropic blocks. */
function encodePart(part: ContentPart, where: string, warnOnce: (m: string) => void): Block[] {
  switch (part.type) {
    case 'text':
      return encodeText(part)
    case 'image':
      return [encodeImage(part)]
    case 'tool_call':
      return [
        {
          type: 'tool_use',
          id: toolId(part.id),
          name: part.name,
          input: parseToolArguments(functionArguments(part, false)),
          ...cacheControlField(part.cacheControl),
        },
      ]
    case 'tool_result':
      return [encodeToolResult(part)]
    case 'thinking':
      if (!part.signature || !ownSignature(part.format)) {
        // Anthropic only accepts thinking it signed (other providers' reasoning is unsigned or signed by them).
        warnOnce('thinking not signed by Anthropic dropped from the history (Anthropic accepts only its own signed thinking blocks)')
        return []
      }
      return [{ type: 'thinking', thinking: part.text, signature: part.signature }]
    case 'redacted_thinking':
      if (!ownSignature(part.format)) {
        warnOnce('encrypted reasoning from another provider dropped from the history')
        return []
      }
      return [{ type: 'redacted_thinking', data: part.data }]
    case 'native':
      if (part.protocol === PROTOCOL) return [part.raw as Block]
      throw invalidRequest(`${part.label} cannot be sent to an Anthropic upstream`, where)
  }
}

/** Anthropic rejects empty (and whitespace-only) text blocks: they are left out. */
function encodeText(part: TextPart): Block[] {
  if (part.text.trim() === '') return []
  return [{ type: 'text', text: part.text, ...cacheControlField(part.cacheControl) }]
}

function encodeImage(part: ImagePart): Block {
  const src = part.source
  let source: Record<string, unknown>
  if (src.kind === 'base64') source = { type: 'base64', media_type: src.mediaType, data: src.data }
  else {
    const data = /^data:([^;,]+);base64,(.*)$/s.exec(src.url)
    source = data ? { type: 'base64', media_type: data[1], data: data[2] } : { type: 'url', url: src.url }
  }
  return { type: 'image', source, ...cacheControlField(part.cacheControl) }
}

function encodeToolResult(part: ToolResultPart): Block {
  const content =
    typeof part.content === 'string'
      ? part.content
      : part.content.flatMap((p) => (p.type === 'text' ? encodeText(p) : [encodeImage(p)]))
  const block: Block = {
    type: 'tool_result',
    tool_use_id: toolId(part.toolCallId),
    content: Array.isArray(content) && content.length === 0 ? '' : content,
    ...cacheControlField(part.cacheControl),
  }
  if (part.isError !== undefined) block.is_error = part.isError
  return block
}

/**
 * Anthropic tool ids must match ^[a-zA-Z0-9_-]+$; ids from other providers
 * (`functions.get_weather:0`) are made to fit. The same mapping applies to
 * tool_use and tool_result, so pairs still match.
 */
function toolId(id: string): string {
  // A Gemini signature packed into the id means nothing to Anthropic: send the bare id.
  return unpackCallId(id).id.replace(/[^a-zA-Z0-9_-]/g, '_')
}

/** The last assistant turn calls tools but has no thinking block (it came from a non-thinking turn or provider). */
function lastAssistantLacksThinking(messages: AnthropicMessage[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!
    if (m.role !== 'assistant') continue
    const callsTools = m.content.some((b) => b.type === 'tool_use')
    const thinks = m.content.some((b) => b.type === 'thinking' || b.type === 'redacted_thinking')
    return callsTools && !thinks
  }
  return false
}

// ---------------------------------------------------------------------------
// Tools

/** A signature of unknown origin is taken to be Anthropic's (older clients do not say). */
function ownSignature(format: string | undefined): boolean {
  return format === undefined || format === 'anthropic-claude-v1'
}

function encodeTool(tool: HubTool): Record<string, unknown> {
  if (tool.native) return tool.native.raw as Record<string, unknown> // toolsFor kept only our own
  const params = tool.parameters
  const out: Record<string, unknown> = {
    name: tool.name,
    input_schema: params.type ? params : { type: 'object', properties: {}, ...params },
  }
  if (tool.description) out.description = tool.description
  if (tool.strict !== undefined) out.strict = tool.strict
  Object.assign(out, cacheControlField(tool.cacheControl))
  return out
}

type AnthropicToolChoice = { type: 'auto' | 'any' | 'none' | 'tool'; name?: string; disable_parallel_tool_use?: boolean }

function encodeToolChoice(req: HubRequest, hasTools: boolean, ctx: EncodeRequestContext): AnthropicToolChoice | undefined {
  if (!req.toolChoice && req.parallelToolCalls !== false) return undefined
  const choice = req.toolChoice ?? { type: 'auto' as const }
  if (!hasTools) {
    if (choice.type === 'required' || choice.type === 'tool') ctx.warn('tool_choice dropped: the request has no tools')
    return undefined
  }
  let out: AnthropicToolChoice
  switch (choice.type) {
    case 'auto':
      out = { type: 'auto' }
      break
    case 'required':
      out = { type: 'any' }
      break
    case 'none':
      return { type: 'none' }
    case 'tool':
      out = { type: 'tool', name: choice.name }
      break
  }
  if (req.parallelToolCalls === false) out.disable_parallel_tool_use = true
  return out
}

// ---------------------------------------------------------------------------
// Thinking

type ThinkingBody = { type: 'enabled'; budget_tokens: number } | { type: 'adaptive' } | { type: 'disabled' }
type AnthropicEffort = 'low' | 'medium' | 'high' | 'xhigh' | 'max'

/**
 * ThinkingConfig → `thinking` (+ `output_config.effort`):
 * - enabled: false → { type: 'disabled' } (only when the client turned it off explicitly)
 * - adaptive → { type: 'adaptive' }, effort sent as output_config.effort
 * - budgetTokens → { type: 'enabled', budget_tokens } (at least 1024), effort sent alongside
 * - effort only (OpenAI reasoning_effort) → { type: 'enabled', budget_tokens: EFFORT_BUDGET[effort] }
 *   and no output_config.effort (older thinking models refuse it)
 * - enabled with neither → the `medium` budget
 */
function encodeThinking(req: HubRequest, ctx: EncodeRequestContext): { thinking?: ThinkingBody; effort?: AnthropicEffort } {
  const t = req.thinking
  if (!t) return {}
  const effort = (): AnthropicEffort | undefined => {
    if (t.effort !== 'minimal') return t.effort
    ctx.warn('effort minimal sent as low (Anthropic efforts: low, medium, high, xhigh, max)')
    return 'low'
  }
  if (!t.enabled) return { thinking: { type: 'disabled' }, effort: effort() }
  if (t.adaptive) return { thinking: { type: 'adaptive' }, effort: effort() }
  if (t.budgetTokens !== undefined) {
    let budget = t.budgetTokens
    if (budget < MIN_THINKING_BUDGET) {
      ctx.warn(`thinking budget ${budget} raised to ${MIN_THINKING_BUDGET} (Anthropic's minimum)`)
      budget = MIN_THINKING_BUDGET
    }
    return { thinking: { type: 'enabled', budget_tokens: budget }, effort: effort() }
  }
  return { thinking: { type: 'enabled', budget_tokens: EFFORT_BUDGET[t.effort ?? 'medium'] } }
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
