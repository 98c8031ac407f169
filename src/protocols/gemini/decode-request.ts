import { invalidRequest } from '../../hub/errors'
import type {
  ContentPart,
  HubMessage,
  HubRequest,
  HubTool,
  ImagePart,
  ReasoningEffort,
  ResponseFormat,
  TextPart,
  ThinkingConfig,
  ToolChoice,
  ToolResultPart,
} from '../../hub/request'
import { parseBody } from '../../hub/validate'
import type { RequestHints } from '../types'
import { decodePart, isObj, PROTOCOL, pushParts } from './decode-parts'
import { fromGeminiSchema } from './from-gemini-schema'
import { camelizeRequest, requestSchema, type GeminiPart, type GeminiRequest } from './schema'
import { own } from '../../hub/own'

type Json = Record<string, unknown>

/**
 * A Gemini client's GenerateContentRequest → HubRequest. The model and whether
 * to stream come from the URL (`hints`), not the body. Throws a 400 naming the
 * bad field.
 */
export function decodeRequest(body: unknown, hints: RequestHints = {}): HubRequest {
  const req = parseBody(requestSchema, camelizeRequest(body))
  const model = modelFromHints(hints, body)

  const hub: HubRequest = {
    model,
    system: decodeSystem(req.systemInstruction),
    messages: decodeContents(req.contents),
    stream: hints.stream ?? false,
  }

  const tools = decodeTools(req)
  if (tools.length) {
    hub.tools = tools
    const choice = decodeToolChoice(req, hub)
    if (choice) hub.toolChoice = choice
  }

  const g = req.generationConfig
  if (g) {
    if (g.temperature != null) hub.temperature = g.temperature
    if (g.topP != null) hub.topP = g.topP
    if (g.topK != null) hub.topK = g.topK
    if (g.maxOutputTokens != null) hub.maxTokens = g.maxOutputTokens
    if (g.stopSequences?.length) hub.stopSequences = g.stopSequences
    if (g.seed != null) hub.seed = g.seed
    if (g.presencePenalty != null) hub.presencePenalty = g.presencePenalty
    if (g.frequencyPenalty != null) hub.frequencyPenalty = g.frequencyPenalty
    if (g.candidateCount != null) hub.n = g.candidateCount
    const format = decodeResponseFormat(g)
    if (format) hub.responseFormat = format
    const thinking = decodeThinking(g.thinkingConfig)
    if (thinking) hub.thinking = thinking
  }
  return hub
}

function modelFromHints(hints: RequestHints, body: unknown): string {
  // The URL names the model; a `model` in the body is accepted for clients that put it there.
  const named = hints.model ?? (isObj(body) && typeof body.model === 'string' ? body.model : undefined)
  if (!named) throw invalidRequest('model: missing (expected in the URL: /v1beta/models/{model}:generateContent)', 'model')
  return named.replace(/^models\//, '')
}

function decodeSystem(system: GeminiRequest['systemInstruction']): TextPart[] {
  if (system == null) return []
  if (typeof system === 'string') return system === '' ? [] : [{ type: 'text', text: system }]
  return system.parts.flatMap((part, j): TextPart[] => {
    if (typeof part.text === 'string') return part.text === '' ? [] : [{ type: 'text', text: part.text }]
    const param = `systemInstruction.parts[${j}]`
    throw invalidRequest(`${param}: only text parts are supported in a system instruction`, param)
  })
}

interface PendingCall {
  id: string
  name: string
  answered: boolean
}

/**
 * Contents → hub messages. role `model` is the assistant; `user` and the legacy
 * `function` role are the user. A functionCall without an id gets
 * `call_<content>_<part>` (stable across requests, unique in the conversation).
 * A functionResponse answers a call of the latest model turn: the one with its
 * id when it has one, else the first unanswered call of that name (N responses
 * to N calls of one function pair up in order).
 */
function decodeContents(contents: GeminiRequest['contents']): HubMessage[] {
  const messages: HubMessage[] = []
  let calls: PendingCall[] = []

  contents.forEach((content, ci) => {
    const role = content.role === 'model' ? 'assistant' : 'user'
    const parts: ContentPart[] = []
    if (role === 'assistant') calls = []

    content.parts.forEach((part, pi) => {
      if (part.functionResponse) {
        parts.push(decodeFunctionResponse(part.functionResponse, calls, `call_${ci}_${pi}`))
        return
      }
      const decoded = decodePart(part as Json, { callId: () => `call_${ci}_${pi}`, packIds: false })
      for (const p of decoded) {
        if (p.type !== 'tool_call') continue
        if (role !== 'assistant') {
          const param = `contents[${ci}].parts[${pi}].functionCall`
          throw invalidRequest(`${param}: a function call must be in a "model" turn`, param)
        }
        calls.push({ id: p.id, name: p.name, answered: false })
      }
      pushParts(parts, decoded)
    })
    messages.push({ role, content: parts })
  })
  return messages
}

function decodeFunctionResponse(
  fr: NonNullable<GeminiPart['functionResponse']>,
  calls: PendingCall[],
  fallbackId: string,
): ToolResultPart {
  const byId = fr.id ? calls.find((c) => c.id === fr.id) : undefined
  const call = byId ?? calls.find((c) => !c.answered && c.name === fr.name)
  if (call) call.answered = true
  const toolCallId = fr.id ?? call?.id ?? fallbackId

  const { text, isError } = responseText(fr.response ?? {})
  const images: ImagePart[] = []
  for (const p of fr.parts ?? []) {
    const blob = p.inlineData
    if (blob && blob.mimeType.toLowerCase().startsWith('image/'))
      images.push({ type: 'image', source: { kind: 'base64', mediaType: blob.mimeType, data: blob.data } })
  }
  const part: ToolResultPart = {
    type: 'tool_result',
    toolCallId,
    content: images.length ? [{ type: 'text', text }, ...images] : text,
  }
  if (isError) part.isError = true
  return part
}

/**
 * A functionResponse's `response` object as tool-result text. The shapes the
 * Gemini docs and CLI use, `{output: "…"}` and `{error: "…"}`, give their text
 * (the latter as an error); any other object is passed on as JSON.
 */
function responseText(response: Json): { text: string; isError: boolean } {
  const keys = Object.keys(response)
  if (keys.length === 1 && (keys[0] === 'output' || keys[0] === 'error')) {
    const value = response[keys[0]]
    return { text: typeof value === 'string' ? value : JSON.stringify(value), isError: keys[0] === 'error' }
  }
  return { text: JSON.stringify(response), isError: false }
}

/**
 * functionDeclarations → function tools (schema from `parametersJsonSchema` as
 * it is, or from the OpenAPI-style `parameters`, converted to JSON Schema).
 * Every other tool entry (googleSearch, codeExecution, urlContext, …) is a
 * Gemini native tool, one per key.
 */
function decodeTools(req: GeminiRequest): HubTool[] {
  const out: HubTool[] = []
  for (const tool of req.tools ?? []) {
    for (const fn of tool.functionDeclarations ?? []) {
      let parameters: Json
      if (isObj(fn.parametersJsonSchema)) parameters = fn.parametersJsonSchema
      else if (fn.parameters) parameters = fromGeminiSchema(fn.parameters)
      else parameters = { type: 'object', properties: {} }
      const hub: HubTool = { name: fn.name, parameters }
      if (fn.description != null) hub.description = fn.description
      out.push(hub)
    }
    for (const [key, value] of Object.entries(tool)) {
      if (key === 'functionDeclarations' || value == null) continue
      out.push({ native: { protocol: PROTOCOL, label: `tool "${key}"`, raw: { [key]: value } }, name: key, parameters: {} })
    }
  }
  return out
}

/**
 * functionCallingConfig → tool choice: AUTO/VALIDATED → auto, NONE → none,
 * ANY → required, or that tool when exactly one name is allowed. Several
 * allowed names narrow the tools offered to those names.
 */
function decodeToolChoice(req: GeminiRequest, hub: HubRequest): ToolChoice | undefined {
  const config = req.toolConfig?.functionCallingConfig
  if (!config?.mode) return undefined
  switch (config.mode) {
    case 'AUTO':
    case 'VALIDATED':
      return { type: 'auto' }
    case 'NONE':
      return { type: 'none' }
    case 'ANY': {
      const allowed = config.allowedFunctionNames ?? []
      if (allowed.length === 1) return { type: 'tool', name: allowed[0]! }
      if (allowed.length > 1) hub.tools = hub.tools!.filter((t) => t.native || allowed.includes(t.name))
      return { type: 'required' }
    }
    default:
      return undefined
  }
}

function decodeResponseFormat(g: NonNullable<GeminiRequest['generationConfig']>): ResponseFormat | undefined {
  if (g.responseMimeType?.toLowerCase() !== 'application/json') return undefined
  if (isObj(g.responseJsonSchema)) return { type: 'json_schema', schema: g.responseJsonSchema }
  if (g.responseSchema) return { type: 'json_schema', schema: fromGeminiSchema(g.responseSchema) }
  return { type: 'json_object' }
}

const LEVELS: Record<string, ReasoningEffort> = { MINIMAL: 'minimal', LOW: 'low', MEDIUM: 'medium', HIGH: 'high' }

/**
 * thinkingConfig → ThinkingConfig: thinkingBudget 0 → off, -1 → adaptive
 * (dynamic), > 0 → that budget; thinkingLevel → effort; includeThoughts alone →
 * enabled with the model's default amount.
 */
function decodeThinking(t: NonNullable<GeminiRequest['generationConfig']>['thinkingConfig']): ThinkingConfig | undefined {
  if (!t) return undefined
  const effort = t.thinkingLevel ? own(LEVELS, t.thinkingLevel) : undefined
  const budget = t.thinkingBudget ?? undefined
  if (budget === 0 && !effort) return { enabled: false }
  const config: ThinkingConfig = { enabled: true }
  if (budget !== undefined && budget > 0) config.budgetTokens = budget
  if (budget === -1) config.adaptive = true
  if (effort) config.effort = effort
  if (budget === undefined && !effort && t.includeThoughts !== true) return undefined
  return config
}
