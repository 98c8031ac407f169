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
import { imageSourceFromUrl } from './images'
import { reasoningDetailsToParts } from './reasoning-details'
import { chatRequestSchema, type ChatMessage, type ChatRequest } from './schema'
import { own } from '../../hub/own'

const PROTOCOL = 'openai-chat'

/** Wire shapes the schema has already checked (its typed unions stay loose in TypeScript). */
type WirePart = { type: string; [key: string]: unknown }
type ImageUrl = string | { url: string; detail?: string }

/** Drops keys whose value is undefined, so decoded objects stay tidy. */
function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as Array<keyof T>) if (obj[key] === undefined) delete obj[key]
  return obj
}

function imagePart(imageUrl: ImageUrl): ImagePart {
  const url = typeof imageUrl === 'string' ? imageUrl : imageUrl.url
  const detail = typeof imageUrl === 'string' ? undefined : imageUrl.detail
  return compact({ type: 'image' as const, source: imageSourceFromUrl(url), detail })
}

function nativePart(part: WirePart): ContentPart {
  return { type: 'native', protocol: PROTOCOL, label: `content part "${part.type}"`, raw: part }
}

function systemText(content: string | Array<{ text: string }>): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  return content.map((p) => ({ type: 'text', text: p.text }))
}

function userContent(content: string | WirePart[]): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  return content.map((part): ContentPart => {
    if (part.type === 'text') return { type: 'text', text: part.text as string }
    if (part.type === 'image_url') return imagePart(part.image_url as ImageUrl)
    return nativePart(part) // input_audio, file, …
  })
}

function toolResultContent(content: string | WirePart[], at: number): ToolResultPart['content'] {
  if (typeof content === 'string') return content
  return content.map((part, j) => {
    if (part.type === 'text') return { type: 'text' as const, text: part.text as string }
    if (part.type === 'image_url') return imagePart(part.image_url as ImageUrl)
    const param = `messages[${at}].content[${j}]`
    throw invalidRequest(`${param}: content part "${part.type}" is not supported in a tool message`, param)
  })
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>

function assistantContent(m: AssistantMessage, legacyId: () => string): ContentPart[] {
  const out: ContentPart[] = []

  // Reasoning first. reasoning_details is the richest form (signatures, encrypted
  // blocks); OpenRouter sends it beside a plain `reasoning` copy, so use one or the other.
  const plain = m.reasoning_content ?? m.reasoning ?? undefined
  const details = m.reasoning_details?.length ? reasoningDetailsToParts(m.reasoning_details) : []
  if (details.length) {
    // A client that kept streamed text in reasoning_content and only the signature
    // in reasoning_details: put the text back with its signature.
    const first = details.find((p) => p.type === 'thinking')
    if (plain && first?.type === 'thinking' && details.every((p) => p.type !== 'thinking' || p.text === '')) first.text = plain
    out.push(...details)
  } else if (plain) {
    out.push({ type: 'thinking', text: plain })
  }

  if (typeof m.content === 'string') {
    if (m.content !== '') out.push({ type: 'text', text: m.content })
  } else if (m.content) {
    for (const part of m.content as WirePart[]) {
      if (part.type === 'text') {
        if (part.text !== '') out.push({ type: 'text', text: part.text as string })
      } else if (part.type === 'refusal') out.push({ type: 'text', text: part.refusal as string })
      else out.push(nativePart(part))
    }
  }
  if (m.refusal) out.push({ type: 'text', text: m.refusal })

  for (const call of m.tool_calls ?? [])
    out.push({ type: 'tool_call', id: call.id, name: call.function.name, arguments: call.function.arguments ?? '' })
  if (m.function_call)
    out.push({ type: 'tool_call', id: legacyId(), name: m.function_call.name, arguments: m.function_call.arguments ?? '' })
  return out
}

function decodeMessages(req: ChatRequest): { system: TextPart[]; messages: HubMessage[] } {
  const system: TextPart[] = []
  const messages: HubMessage[] = []
  let leading = true
  // The hub message that collects consecutive tool results, while they keep coming.
  let toolGroup: HubMessage | undefined
  // Legacy function calls carry no id: give each one, and pair results by function name.
  let legacyCount = 0
  const pendingLegacy = new Map<string, string[]>()

  const addToolResult = (part: ToolResultPart) => {
    if (!toolGroup) {
      toolGroup = { role: 'user', content: [] }
      messages.push(toolGroup)
    }
    toolGroup.content.push(part)
  }

  req.messages.forEach((m, i) => {
    if (m.role !== 'tool' && m.role !== 'function') toolGroup = undefined
    if (m.role !== 'system' && m.role !== 'developer') leading = false
    const name = m.role !== 'function' && 'name' in m && typeof m.name === 'string' ? m.name : undefined

    switch (m.role) {
      case 'system':
      case 'developer':
        if (leading) system.push(...systemText(m.content))
        else messages.push(compact({ role: 'system' as const, content: systemText(m.content), name }))
        break
      case 'user':
        messages.push(compact({ role: 'user' as const, content: userContent(m.content as string | WirePart[]), name }))
        break
      case 'assistant': {
        const legacyId = () => {
          const id = `call_legacy_${++legacyCount}`
          const name = m.function_call!.name
          pendingLegacy.set(name, [...(pendingLegacy.get(name) ?? []), id])
          return id
        }
        messages.push(compact({ role: 'assistant' as const, content: assistantContent(m, legacyId), name }))
        break
      }
      case 'tool':
        addToolResult({
          type: 'tool_result',
          toolCallId: m.tool_call_id,
          content: toolResultContent(m.content as string | WirePart[], i),
        })
        break
      case 'function': {
        const queue = pendingLegacy.get(m.name)
        const id = queue?.shift() ?? `call_legacy_${++legacyCount}`
        addToolResult({ type: 'tool_result', toolCallId: id, content: m.content ?? '' })
        break
      }
    }
  })
  return { system, messages }
}

const EMPTY_PARAMETERS = { type: 'object', properties: {} }

function decodeTools(req: ChatRequest): HubTool[] | undefined {
  if (req.tools?.length) {
    return req.tools.map((tool): HubTool => {
      const t = tool as WirePart
      if (t.type === 'function') {
        const fn = t.function as { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null }
        return compact({
          name: fn.name,
          description: fn.description,
          parameters: fn.parameters ?? EMPTY_PARAMETERS,
          strict: fn.strict ?? undefined,
        })
      }
      // `custom` and other tool types: passed through to OpenAI upstreams only.
      const inner = own(t as Record<string, unknown>, t.type) as { name?: unknown } | undefined
      const name = typeof inner?.name === 'string' ? inner.name : t.type
      return { native: { protocol: PROTOCOL, label: `tool "${t.type}"`, raw: t }, name, parameters: {} }
    })
  }
  if (req.functions?.length) {
    return req.functions.map((fn) =>
      compact({ name: fn.name, description: fn.description, parameters: fn.parameters ?? EMPTY_PARAMETERS }),
    )
  }
  return undefined
}

function decodeToolChoice(req: ChatRequest): ToolChoice | undefined {
  const choice = req.tool_choice
  if (typeof choice === 'string') return { type: choice }
  if (choice) {
    const c = choice as WirePart
    if (c.type === 'function') return { type: 'tool', name: (c.function as { name: string }).name }
    if (c.type === 'custom') return { type: 'tool', name: (c.custom as { name: string }).name }
    if (c.type === 'allowed_tools') return { type: (c.allowed_tools as { mode: 'auto' | 'required' }).mode }
    return undefined
  }
  const legacy = req.function_call
  if (typeof legacy === 'string') return { type: legacy }
  if (legacy) return { type: 'tool', name: legacy.name }
  return undefined
}

function decodeResponseFormat(req: ChatRequest): ResponseFormat | undefined {
  const rf = req.response_format as WirePart | null | undefined
  if (!rf) return undefined
  if (rf.type === 'text' || rf.type === 'json_object') return { type: rf.type }
  if (rf.type === 'json_schema') {
    const js = rf.json_schema as {
      name?: string
      description?: string
      schema?: Record<string, unknown>
      strict?: boolean | null
    }
    return compact({
      type: 'json_schema' as const,
      name: js.name,
      description: js.description,
      schema: js.schema ?? {},
      strict: js.strict ?? undefined,
    })
  }
  throw invalidRequest(`response_format.type: unsupported type "${rf.type}"`, 'response_format.type')
}

/** `reasoning_effort` (OpenAI) or `reasoning: {effort, max_tokens, enabled}` (OpenRouter). */
function decodeThinking(req: ChatRequest): ThinkingConfig | undefined {
  const r = req.reasoning
  const effort = req.reasoning_effort ?? r?.effort ?? undefined
  if (effort === 'none' || r?.enabled === false) return { enabled: false }
  if (!effort && !r?.max_tokens && !r?.enabled) return undefined
  return compact({
    enabled: true,
    effort: (effort ?? undefined) as ReasoningEffort | undefined,
    budgetTokens: r?.max_tokens ?? undefined,
  })
}

/** A Chat Completions request body → HubRequest. Throws a 400 GatewayError naming the bad field. */
export function decodeRequest(body: unknown): HubRequest {
  const req = parseBody(chatRequestSchema, body)
  const { system, messages } = decodeMessages(req)
  const stop = req.stop == null ? undefined : typeof req.stop === 'string' ? [req.stop] : req.stop
  const stream = req.stream === true
  return compact({
    model: req.model,
    system,
    messages,
    tools: decodeTools(req),
    toolChoice: decodeToolChoice(req),
    parallelToolCalls: req.parallel_tool_calls ?? undefined,
    maxTokens: req.max_completion_tokens ?? req.max_tokens ?? undefined,
    temperature: req.temperature ?? undefined,
    topP: req.top_p ?? undefined,
    topK: req.top_k ?? undefined,
    stopSequences: stop?.length ? stop : undefined,
    seed: req.seed ?? undefined,
    frequencyPenalty: req.frequency_penalty ?? undefined,
    presencePenalty: req.presence_penalty ?? undefined,
    responseFormat: decodeResponseFormat(req),
    thinking: decodeThinking(req),
    userId: req.user ?? undefined,
    metadata: req.metadata ?? undefined,
    n: req.n ?? undefined,
    stream,
    streamUsage: stream ? req.stream_options?.include_usage === true : undefined,
  })
}
