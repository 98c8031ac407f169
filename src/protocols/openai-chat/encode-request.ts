import { invalidRequest } from '../../hub/errors'
import { unpackCallId } from '../../hub/signature-envelope'
import { functionArguments, toolsFor } from '../../hub/tools'
import type {
  ContentPart,
  HubMessage,
  HubRequest,
  HubTool,
  ImagePart,
  NativePart,
  RedactedThinkingPart,
  ThinkingPart,
  ToolCallPart,
  ToolResultPart,
} from '../../hub/request'
import type { EncodeRequestContext, UpstreamQuirks } from '../types'
import { imageUrlPart } from './images'
import { applyUpstreamQuirks } from './quirks'
import { partsToReasoningDetails } from './reasoning-details'

const PROTOCOL = 'openai-chat'

type Wire = Record<string, unknown>

function refuse(label: string): never {
  throw invalidRequest(`${label} cannot be sent to an OpenAI-compatible upstream`)
}

/** A native part made by this protocol goes back as it came; one from another protocol is refused. */
function nativeRaw(part: { protocol: string; label: string; raw: unknown }): unknown {
  if (part.protocol !== PROTOCOL) refuse(part.label)
  return part.raw
}

const joinText = (parts: ReadonlyArray<{ text: string }>) => parts.map((p) => p.text).join('\n\n')

function systemMessage(m: HubMessage): Wire {
  const text: { text: string }[] = []
  for (const part of m.content) {
    if (part.type === 'text') text.push(part)
    else refuse(part.type === 'native' ? part.label : `A ${part.type} part in a system message`)
  }
  return withName({ role: 'system', content: joinText(text) }, m)
}

function withName(msg: Wire, m: HubMessage): Wire {
  if (m.name !== undefined) msg.name = m.name
  return msg
}

/** Text-only content becomes a string (the most widely accepted form); anything else a parts array. */
function userContent(parts: ContentPart[]): string | unknown[] {
  if (parts.every((p) => p.type === 'text')) return joinText(parts as { text: string }[])
  return parts.map((p) => {
    if (p.type === 'text') return { type: 'text', text: p.text }
    if (p.type === 'image') return imageUrlPart(p)
    if (p.type === 'native') return nativeRaw(p)
    return refuse(`A ${p.type} part in a user message`)
  })
}

/**
 * One hub user message → Chat Completions messages. Tool results become `tool`
 * messages, which must come straight after the assistant's `tool_calls`, so they
 * go first. A tool message can only hold text: images a tool returned are moved
 * into the user message that follows the tool messages, labelled with the call
 * they belong to.
 */
function userMessages(m: HubMessage): Wire[] {
  const out: Wire[] = []
  const rest: ContentPart[] = []
  const spilled: ContentPart[] = []
  for (const part of m.content) {
    if (part.type === 'tool_result') {
      out.push({ role: 'tool', tool_call_id: unpackCallId(part.toolCallId).id, content: toolResultText(part, spilled) })
    } else if (part.type === 'thinking' || part.type === 'redacted_thinking') {
      // Reasoning only belongs to assistant turns; nothing to send.
    } else if (part.type === 'tool_call') {
      refuse('A tool call in a user message')
    } else {
      rest.push(part)
    }
  }
  const content = [...spilled, ...rest]
  if (content.length || !out.length) out.push(withName({ role: 'user', content: userContent(content) }, m))
  return out
}

function toolResultText(part: ToolResultPart, spilled: ContentPart[]): string {
  if (typeof part.content === 'string') return part.content
  const images = part.content.filter((c): c is ImagePart => c.type === 'image')
  if (images.length) spilled.push({ type: 'text', text: `Image output of tool call ${part.toolCallId}:` }, ...images)
  return joinText(part.content.filter((c) => c.type === 'text') as { text: string }[])
}

function assistantMessage(m: HubMessage, quirks: UpstreamQuirks): Wire {
  const text: { text: string }[] = []
  const natives: unknown[] = []
  const calls: ToolCallPart[] = []
  const reasoning: Array<ThinkingPart | RedactedThinkingPart> = []
  for (const part of m.content) {
    if (part.type === 'text') text.push(part)
    else if (part.type === 'tool_call') calls.push(part)
    else if (part.type === 'thinking' || part.type === 'redacted_thinking') reasoning.push(part)
    else if (part.type === 'native') natives.push(nativeRaw(part as NativePart))
    else refuse(`A ${part.type} part in an assistant message`)
  }
  const msg: Wire = { role: 'assistant' }
  // `content` may be null only beside tool_calls; an empty turn is an empty string.
  if (natives.length) msg.content = [...text.map((t) => ({ type: 'text', text: t.text })), ...natives]
  else msg.content = text.length ? joinText(text) : calls.length ? null : ''
  if (calls.length) {
    msg.tool_calls = calls.map((c) => ({
      id: unpackCallId(c.id).id,
      type: 'function',
      // Arguments go verbatim; an empty string is not JSON, so it becomes `{}`.
      function: { name: c.name, arguments: c.arguments === '' ? '{}' : functionArguments(c, false) },
    }))
  }
  if (reasoning.length) {
    if (quirks.reasoningHistory === 'reasoning_content' || quirks.reasoningContentRequired) {
      const thinking = reasoning.filter((p): p is ThinkingPart => p.type === 'thinking')
      if (thinking.length) msg.reasoning_content = thinking.map((p) => p.text).join('')
    } else if (quirks.reasoningHistory === 'reasoning_details') {
      msg.reasoning_details = partsToReasoningDetails(reasoning)
    }
    // 'none' or unset: OpenAI itself rejects unknown message fields, so reasoning stays behind.
  }
  return withName(msg, m)
}

function encodeMessages(req: HubRequest, quirks: UpstreamQuirks): Wire[] {
  const out: Wire[] = []
  if (req.system.length) out.push({ role: 'system', content: joinText(req.system) })
  for (const m of req.messages) {
    if (m.role === 'system') out.push(systemMessage(m))
    else if (m.role === 'user') out.push(...userMessages(m))
    else out.push(assistantMessage(m, quirks))
  }
  return out
}

function encodeTool(tool: HubTool): unknown {
  if (tool.native) return nativeRaw(tool.native)
  const fn: Wire = { name: tool.name }
  if (tool.description !== undefined) fn.description = tool.description
  fn.parameters = tool.parameters
  if (tool.strict !== undefined) fn.strict = tool.strict
  return { type: 'function', function: fn }
}

/** reasoning_effort for a reasoning model: the client's effort, else one derived from its budget. */
function reasoningEffort(req: HubRequest): string | undefined {
  const t = req.thinking
  // Disabled: leave the model's default ('none' is only accepted by newer models).
  if (!t || !t.enabled) return undefined
  if (t.effort) return t.effort === 'max' ? 'xhigh' : t.effort
  if (t.budgetTokens !== undefined) return t.budgetTokens <= 2048 ? 'low' : t.budgetTokens <= 8192 ? 'medium' : 'high'
  return undefined
}

/** HubRequest → Chat Completions body for an OpenAI-compatible upstream. */
export function encodeRequest(req: HubRequest, ctx: EncodeRequestContext): Record<string, unknown> {
  const body: Record<string, unknown> = { model: ctx.model, messages: encodeMessages(req, ctx.quirks) }

  const tools = toolsFor(req.tools, { protocol: 'openai-chat', customTools: false, warn: ctx.warn })
  if (tools.length) body.tools = tools.map(encodeTool)
  if (req.toolChoice) {
    body.tool_choice =
      req.toolChoice.type === 'tool' ? { type: 'function', function: { name: req.toolChoice.name } } : req.toolChoice.type
  }
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls

  const reasoningModel = ctx.quirks.reasoningModel?.(ctx.model) ?? false
  if (reasoningModel) {
    if (req.maxTokens !== undefined) body.max_completion_tokens = req.maxTokens
    const effort = reasoningEffort(req)
    if (effort) body.reasoning_effort = effort
    // Reasoning models refuse sampling knobs.
    const knobs: Array<[string, unknown]> = [
      ['temperature', req.temperature],
      ['top_p', req.topP],
      ['frequency_penalty', req.frequencyPenalty],
      ['presence_penalty', req.presencePenalty],
    ]
    for (const [name, value] of knobs)
      if (value !== undefined) ctx.warn(`${name} dropped: ${ctx.model} is a reasoning model and does not accept it.`)
  } else {
    if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens
    if (req.temperature !== undefined) body.temperature = req.temperature
    if (req.topP !== undefined) body.top_p = req.topP
    if (req.frequencyPenalty !== undefined) body.frequency_penalty = req.frequencyPenalty
    if (req.presencePenalty !== undefined) body.presence_penalty = req.presencePenalty
    const t = req.thinking
    if (t?.enabled && (t.budgetTokens !== undefined || t.effort !== undefined))
      ctx.warn(`Reasoning settings dropped: ${ctx.model} is not configured as a reasoning model.`)
  }
  if (req.topK !== undefined) ctx.warn('top_k dropped: Chat Completions has no top_k.')

  if (req.stopSequences?.length) body.stop = req.stopSequences
  if (req.seed !== undefined) body.seed = req.seed
  if (req.responseFormat) {
    const rf = req.responseFormat
    if (rf.type === 'json_schema') {
      const js: Wire = { name: rf.name ?? 'response' }
      if (rf.description !== undefined) js.description = rf.description
      js.schema = rf.schema
      if (rf.strict !== undefined) js.strict = rf.strict
      body.response_format = { type: 'json_schema', json_schema: js }
    } else {
      body.response_format = { type: rf.type }
    }
  }
  if (req.userId !== undefined) body.user = req.userId
  if (req.metadata !== undefined) body.metadata = req.metadata
  if (req.n !== undefined) body.n = req.n
  if (req.stream) {
    body.stream = true
    // Always ask for usage: clients of other protocols always get it.
    body.stream_options = { include_usage: true }
  }
  // The host's own rules (tool-call ids, required reasoning, refused fields) go last.
  return applyUpstreamQuirks(body, ctx.quirks, ctx.warn)
}
