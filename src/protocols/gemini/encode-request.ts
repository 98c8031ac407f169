import { invalidRequest } from '../../hub/errors'
import type { ContentPart, HubMessage, HubRequest, HubTool, ReasoningEffort, ToolResultPart } from '../../hub/request'
import { unpackCallId } from '../../hub/signature-envelope'
import { toolsFor } from '../../hub/tools'
import type { EncodeRequestContext } from '../types'
import { PROTOCOL } from './decode-parts'
import { encodeFunctionCall, encodeImage, encodeThinking, placeSignatures, type GeminiPartOut, type LooseSignature } from './encode-parts'
import { toGeminiParameters, toGeminiSchema, type SchemaBudget } from './to-gemini-schema'

/**
 * Thinking budgets for an effort on models that take a budget (Gemini 2.5:
 * Flash 0–24576, Pro 128–32768, Flash-Lite 512–24576; every value here fits all three).
 */
export const EFFORT_BUDGET: Record<ReasoningEffort, number> = {
  minimal: 512,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 24576,
  max: 24576,
}

/** Gemini's documented placeholder for a function call whose signature was lost (history from another model). */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator'

/** The Gemini API accepts at most 5 stop sequences. */
const MAX_STOP_SEQUENCES = 5

interface Content {
  role: 'user' | 'model'
  parts: GeminiPartOut[]
}

/**
 * HubRequest → a GenerateContentRequest for a Gemini upstream. The model is not
 * in the body: it goes in the path (see upstreamPath). Every change the upstream
 * forces (dropped or clamped values) is reported through ctx.warn.
 */
export function encodeRequest(req: HubRequest, ctx: EncodeRequestContext): Record<string, unknown> {
  if (req.n !== undefined && req.n > 1)
    throw invalidRequest(
      `n=${req.n} is not supported with a Gemini upstream: the gateway returns one candidate per request.`,
      'n',
    )
  const warnOnce = onceEach(ctx.warn)
  const body: Record<string, unknown> = {}

  // Leading system messages join the system instruction.
  const system = req.system.filter((p) => p.text !== '').map((p) => ({ text: p.text }))
  let first = 0
  while (first < req.messages.length && req.messages[first]!.role === 'system') {
    system.push(...systemText(req.messages[first]!, first))
    first++
  }
  if (system.length) body.systemInstruction = { parts: system }
  body.contents = encodeContents(req.messages, first, warnOnce)

  // Tools.
  const tools = toolsFor(req.tools, { protocol: PROTOCOL, customTools: false, warn: ctx.warn })
  // One budget for every schema of the request: inlining $refs must not multiply it without bound.
  const budget: SchemaBudget = { nodes: 0 }
  const declarations = tools.filter((t) => !t.native).map((t) => encodeDeclaration(t, budget))
  const wireTools: unknown[] = []
  if (declarations.length) wireTools.push({ functionDeclarations: declarations })
  for (const t of tools) if (t.native) wireTools.push(t.native.raw) // toolsFor kept only Gemini's own
  if (wireTools.length) body.tools = wireTools
  const toolConfig = encodeToolChoice(req, declarations.length > 0, ctx)
  if (toolConfig) body.toolConfig = toolConfig
  if (req.parallelToolCalls === false && declarations.length) ctx.warn('parallel_tool_calls=false dropped: Gemini has no such switch')

  // Generation config.
  const g: Record<string, unknown> = {}
  if (req.temperature !== undefined) g.temperature = req.temperature
  if (req.topP !== undefined) g.topP = req.topP
  if (req.topK !== undefined) g.topK = req.topK
  if (req.maxTokens !== undefined) g.maxOutputTokens = req.maxTokens
  if (req.stopSequences?.length) {
    if (req.stopSequences.length > MAX_STOP_SEQUENCES)
      ctx.warn(`stop sequences after the first ${MAX_STOP_SEQUENCES} dropped (Gemini accepts at most ${MAX_STOP_SEQUENCES})`)
    g.stopSequences = req.stopSequences.slice(0, MAX_STOP_SEQUENCES)
  }
  if (req.seed !== undefined) g.seed = req.seed
  if (req.presencePenalty !== undefined) g.presencePenalty = req.presencePenalty
  if (req.frequencyPenalty !== undefined) g.frequencyPenalty = req.frequencyPenalty
  const rf = req.responseFormat
  if (rf?.type === 'json_object') g.responseMimeType = 'application/json'
  else if (rf?.type === 'json_schema') {
    g.responseMimeType = 'application/json'
    g.responseSchema = toGeminiSchema(rf.schema, `response_format${rf.name ? ` ${JSON.stringify(rf.name)}` : ''}`, budget)
  }
  const thinking = encodeThinkingConfig(req, ctx)
  if (thinking) g.thinkingConfig = thinking
  if (Object.keys(g).length) body.generationConfig = g

  if (req.userId !== undefined) ctx.warn('user id dropped: Gemini has no end-user field')
  if (req.metadata && Object.keys(req.metadata).length) ctx.warn('metadata dropped: Gemini has no metadata field')
  return body
}

function systemText(m: HubMessage, at: number): Array<{ text: string }> {
  return m.content.flatMap((p, j) => {
    if (p.type === 'text') return p.text === '' ? [] : [{ text: p.text }]
    const where = `messages[${at}].content[${j}]`
    throw invalidRequest(`${p.type === 'native' ? p.label : `A ${p.type} part`} cannot be part of a Gemini system instruction`, where)
  })
}

// ---------------------------------------------------------------------------
// Contents

/**
 * messages[from…] → contents. assistant → `model`, user → `user`. A system
 * message in mid-conversation has no place in Gemini's contents: its text goes
 * in as a user turn where it stood. Consecutive same-role turns are merged
 * (tool results and the user text after them become one user turn); empty
 * turns are left out. The first function call of each model turn must carry a
 * thought signature (Gemini 3 refuses the history otherwise): a call that lost
 * it (history from another model) gets Gemini's documented placeholder.
 */
function encodeContents(messages: HubMessage[], from: number, warnOnce: (m: string) => void): Content[] {
  // Tool results name the function they answer; Gemini wants that name.
  const names = new Map<string, string>()
  for (const m of messages)
    for (const p of m.content)
      if (p.type === 'tool_call') {
        names.set(p.id, p.name)
        names.set(unpackCallId(p.id).id, p.name)
      }

  const out: Content[] = []
  for (let i = from; i < messages.length; i++) {
    const msg = messages[i]!
    const role = msg.role === 'assistant' ? 'model' : 'user'
    const items: Array<GeminiPartOut | LooseSignature> = []
    const trailing: GeminiPartOut[] = [] // images a tool returned, after the function responses
    msg.content.forEach((part, j) => {
      const where = `messages[${i}].content[${j}]`
      const encoded = encodePart(part, role, where, names, warnOnce, trailing)
      if (encoded) items.push(encoded)
    })
    const parts = [...placeSignatures(items, 'drop'), ...trailing]
    if (!parts.length) continue
    const prev = out[out.length - 1]
    if (prev && prev.role === role) prev.parts.push(...parts)
    else out.push({ role, parts })
  }

  for (const c of out) {
    if (c.role !== 'model') continue
    const firstCall = c.parts.find((p) => p.functionCall !== undefined)
    if (firstCall && firstCall.thoughtSignature === undefined) firstCall.thoughtSignature = SKIP_SIGNATURE
  }
  return out
}

function encodePart(
  part: ContentPart,
  role: Content['role'],
  where: string,
  names: Map<string, string>,
  warnOnce: (m: string) => void,
  trailing: GeminiPartOut[],
): GeminiPartOut | LooseSignature | undefined {
  switch (part.type) {
    case 'text':
      // Gemini refuses empty text parts.
      return part.text === '' ? undefined : { text: part.text }
    case 'image':
      return encodeImage(part)
    case 'tool_call':
      if (role !== 'model') throw invalidRequest('A tool call can only be sent in an assistant turn', where)
      return encodeFunctionCall(part)
    case 'tool_result':
      return encodeFunctionResponse(part, where, names, trailing)
    case 'thinking':
      if (part.format !== 'google-gemini-v1' && (part.text !== '' || part.signature)) {
        warnOnce('reasoning from another provider dropped from the history (Gemini accepts only its own thoughts)')
        return undefined
      }
      return role === 'model' ? encodeThinking(part, 'drop') : undefined
    case 'redacted_thinking':
      warnOnce('encrypted reasoning from another provider dropped from the history')
      return undefined
    case 'native':
      if (part.protocol === PROTOCOL) return { ...(part.raw as GeminiPartOut) } // a copy: signatures may be placed on it
      throw invalidRequest(`${part.label} cannot be sent to a Gemini upstream`, where)
  }
}

/**
 * A tool result → functionResponse. Gemini wants the function's name (found
 * from the call with that id) and an object as `response`: text that is a JSON
 * object goes as that object, other text as `{output: text}` (`{error: text}`
 * for a failure). Images cannot go inside (before Gemini 3): they follow the
 * function responses as inline parts.
 */
function encodeFunctionResponse(
  part: ToolResultPart,
  where: string,
  names: Map<string, string>,
  trailing: GeminiPartOut[],
): GeminiPartOut {
  const id = unpackCallId(part.toolCallId).id
  const name = names.get(part.toolCallId) ?? names.get(id)
  if (!name) throw invalidRequest(`tool result for "${part.toolCallId}" answers no tool call in the conversation`, where)
  let text: string
  if (typeof part.content === 'string') text = part.content
  else {
    text = part.content
      .filter((p) => p.type === 'text')
      .map((p) => p.text)
      .join('\n\n')
    for (const p of part.content) if (p.type === 'image') trailing.push(encodeImage(p))
  }
  return { functionResponse: { id, name, response: responseObject(text, part.isError === true) } }
}

function responseObject(text: string, isError: boolean): Record<string, unknown> {
  if (isError) return { error: text }
  if (text.trimStart().startsWith('{')) {
    try {
      const value = JSON.parse(text) as unknown
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
    } catch {
      // not JSON after all
    }
  }
  return { output: text }
}

// ---------------------------------------------------------------------------
// Tools

function encodeDeclaration(tool: HubTool, budget: SchemaBudget): Record<string, unknown> {
  const out: Record<string, unknown> = { name: tool.name }
  if (tool.description) out.description = tool.description
  const parameters = toGeminiParameters(tool.parameters, `tool ${JSON.stringify(tool.name)}`, budget)
  if (parameters) out.parameters = parameters
  return out
}

function encodeToolChoice(req: HubRequest, hasFunctions: boolean, ctx: EncodeRequestContext): Record<string, unknown> | undefined {
  const choice = req.toolChoice
  if (!choice) return undefined
  if (!hasFunctions) {
    if (choice.type === 'required' || choice.type === 'tool') ctx.warn('tool_choice dropped: the request has no function tools')
    return undefined
  }
  switch (choice.type) {
    case 'auto':
      return { functionCallingConfig: { mode: 'AUTO' } }
    case 'none':
      return { functionCallingConfig: { mode: 'NONE' } }
    case 'required':
      return { functionCallingConfig: { mode: 'ANY' } }
    case 'tool':
      return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } }
  }
}

// ---------------------------------------------------------------------------
// Thinking

const LEVEL: Record<ReasoningEffort, string> = {
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
  max: 'high',
}

/** Gemini 3 and later take a thinking level; earlier models only a budget. */
function takesThinkingLevel(model: string): boolean {
  const major = /gemini-(\d+)/i.exec(model)?.[1]
  return major !== undefined && Number(major) >= 3
}

/**
 * ThinkingConfig → thinkingConfig. Thoughts are asked for (includeThoughts)
 * whenever thinking is on, so the client sees them.
 * - enabled: false → thinkingBudget 0 (Gemini 3, which cannot turn thinking off: the lowest level)
 * - budgetTokens → thinkingBudget
 * - effort → thinkingLevel on Gemini 3+ (xhigh and max read as high), else the
 *   EFFORT_BUDGET budget
 * - adaptive → thinkingBudget -1 (dynamic)
 * - enabled with none of these → only includeThoughts (the model's default amount)
 */
function encodeThinkingConfig(req: HubRequest, ctx: EncodeRequestContext): Record<string, unknown> | undefined {
  const t = req.thinking
  if (!t) return undefined
  if (!t.enabled) {
    if (!takesThinkingLevel(ctx.model)) return { thinkingBudget: 0 }
    // Gemini 3 cannot turn thinking off: send the least it offers (minimal on Flash models, low on Pro).
    const level = /flash/i.test(ctx.model) ? 'minimal' : 'low'
    ctx.warn(`thinking cannot be turned off on ${ctx.model}: thinkingLevel ${level} sent`)
    return { thinkingLevel: level }
  }
  if (t.budgetTokens !== undefined) return { thinkingBudget: t.budgetTokens, includeThoughts: true }
  if (t.effort) {
    if (takesThinkingLevel(ctx.model)) {
      if (t.effort === 'xhigh' || t.effort === 'max') ctx.warn(`effort ${t.effort} sent as thinkingLevel high (Gemini's highest)`)
      return { thinkingLevel: LEVEL[t.effort], includeThoughts: true }
    }
    return { thinkingBudget: EFFORT_BUDGET[t.effort], includeThoughts: true }
  }
  if (t.adaptive) return { thinkingBudget: -1, includeThoughts: true }
  return { includeThoughts: true }
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
