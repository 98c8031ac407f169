import type {
  ContentPart,
  HubMessage,
  HubRequest,
  HubTool,
  NativePart,
  ReasoningEffort,
  ResponseFormat,
  TextPart,
  ThinkingConfig,
  ToolChoice,
  ToolResultPart,
} from '../../hub/request'
import { invalidRequest } from '../../hub/errors'
import { parseBody } from '../../hub/validate'
import type { RequestHints } from '../types'
import { imageSourceFromUrl } from '../openai-chat/images'
import { callName, expandNamespace, flatToolName } from './namespaces'
import { thinkingFromClient } from './reasoning'
import { itemType, responsesRequestSchema, type ResponsesRequest, type WireItem, type WirePart } from './schema'
import { compact, itemLabel, PROTOCOL } from './wire'

function nativePart(raw: { type: string }, label: string): NativePart {
  return { type: 'native', protocol: PROTOCOL, label, raw }
}

const contentNative = (part: WirePart) => nativePart(part, `content part "${part.type}"`)

/** input_image → hub image; one that names an uploaded file (`file_id`) has no hub form. */
function imagePart(part: WirePart): ContentPart {
  const url = typeof part.image_url === 'string' ? part.image_url : undefined
  if (!url) return contentNative(part)
  const detail = typeof part.detail === 'string' ? part.detail : undefined
  return compact({ type: 'image' as const, source: imageSourceFromUrl(url), detail })
}

/** Message content → hub parts. Text of every kind becomes text; input_file and other parts ride as native parts. */
function messageContent(content: string | WirePart[]): ContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  return content.map((part): ContentPart => {
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', text: part.text as string }
      case 'refusal':
        return { type: 'text', text: part.refusal as string }
      case 'input_image':
        return imagePart(part)
      default:
        return contentNative(part)
    }
  })
}

/**
 * A tool output → tool_result content: a string as it is, an array of parts as
 * text and image blocks, anything else (an object some clients send) as JSON text.
 */
function toolResultContent(output: unknown): ToolResultPart['content'] {
  if (typeof output === 'string') return output
  if (!Array.isArray(output)) return JSON.stringify(output)
  return (output as WirePart[]).map((part) => {
    if (part.type === 'input_text' || part.type === 'output_text') return { type: 'text' as const, text: part.text as string }
    if (part.type === 'input_image' && typeof part.image_url === 'string') {
      const detail = typeof part.detail === 'string' ? part.detail : undefined
      return compact({ type: 'image' as const, source: imageSourceFromUrl(part.image_url), detail })
    }
    // input_file or an image by file id: no hub block holds it; keep it readable rather than lose it.
    return { type: 'text' as const, text: JSON.stringify(part) }
  })
}

// ---------------------------------------------------------------------------
// Tools

const EMPTY_PARAMETERS = { type: 'object', properties: {} }

function decodeTool(t: WirePart): HubTool {
  if (t.type === 'function') {
    return compact({
      name: t.name as string,
      description: (t.description as string | null | undefined) ?? undefined,
      parameters: (t.parameters as Record<string, unknown> | null | undefined) ?? EMPTY_PARAMETERS,
      strict: (t.strict as boolean | null | undefined) ?? undefined,
    })
  }
  if (t.type === 'custom') {
    return compact({
      kind: 'custom' as const,
      name: t.name as string,
      description: (t.description as string | null | undefined) ?? undefined,
      parameters: EMPTY_PARAMETERS,
      customFormat: t.format ?? undefined,
    })
  }
  // web_search, tool_search, file_search, mcp, shell, apply_patch …: only an OpenAI Responses upstream has them.
  const name = typeof t.name === 'string' ? t.name : typeof t.server_label === 'string' ? t.server_label : t.type
  return { native: { protocol: PROTOCOL, label: `tool "${t.type}"`, raw: t }, name, parameters: {} }
}

/**
 * Wire tools → hub tools. A namespace tool becomes its inner tools under flat
 * names (namespaces.ts); a tool already declared (Codex repeats its
 * `additional_tools` item) is not offered twice, since Anthropic refuses duplicates.
 */
function decodeTools(list: WirePart[], into: HubTool[], seen: Set<string>): void {
  for (const t of list) {
    const decoded = t.type === 'namespace' ? (expandNamespace(t, decodeTool) ?? [decodeTool(t)]) : [decodeTool(t)]
    for (const tool of decoded) {
      if (tool.native) into.push(tool)
      else if (!seen.has(tool.name)) {
        seen.add(tool.name)
        into.push(tool)
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Input items → messages

interface Decoded {
  system: TextPart[]
  messages: HubMessage[]
  /** Tools declared in `additional_tools` items. */
  tools: WirePart[]
}

/**
 * Input items → hub messages. Responses items are flat; the hub groups them into
 * turns: an assistant message, its reasoning and its function calls make one
 * assistant message, consecutive tool outputs one user message. Leading
 * system/developer messages become the system prompt; later ones stay in place.
 * Items the hub does not model (item_reference, web_search_call, compaction …)
 * become native parts in a message of their own: an OpenAI Responses upstream
 * gets them back as they were, other upstreams refuse them by name.
 */
function decodeItems(input: ResponsesRequest['input']): Decoded {
  const out: Decoded = { system: [], messages: [], tools: [] }
  if (input === undefined) return out
  if (typeof input === 'string') {
    out.messages.push({ role: 'user', content: [{ type: 'text', text: input }] })
    return out
  }

  let leading = true
  // The hub message the current run of items goes into, and what kind of run it is.
  let open: { message: HubMessage; kind: 'assistant' | 'outputs' } | undefined
  const into = (kind: 'assistant' | 'outputs'): ContentPart[] => {
    if (open?.kind !== kind) {
      open = { message: { role: kind === 'assistant' ? 'assistant' : 'user', content: [] }, kind }
      out.messages.push(open.message)
    }
    return open.message.content
  }
  const alone = (message: HubMessage) => {
    open = undefined
    out.messages.push(message)
  }

  for (const item of input as WireItem[]) {
    const type = itemType(item)
    if (type === 'additional_tools') {
      out.tools.push(...(item.tools as WirePart[]))
      continue
    }
    const role = type === 'message' ? (item.role as 'user' | 'assistant' | 'system' | 'developer') : undefined
    if (role !== 'system' && role !== 'developer') leading = false

    switch (type) {
      case 'message': {
        const content = messageContent(item.content as string | WirePart[])
        if (role === 'assistant') into('assistant').push(...content)
        else if (role === 'user') alone({ role: 'user', content })
        else if (leading && content.every((p) => p.type === 'text')) out.system.push(...(content as TextPart[]))
        else alone({ role: 'system', content })
        break
      }
      case 'function_call':
      case 'custom_tool_call': {
        const custom = type === 'custom_tool_call'
        into('assistant').push(
          compact({
            type: 'tool_call' as const,
            id: item.call_id as string,
            ...callName(item.namespace, item.name as string),
            arguments: (custom ? item.input : item.arguments) as string,
            kind: custom ? ('custom' as const) : undefined,
          }),
        )
        break
      }
      case 'reasoning':
        into('assistant').push(thinkingFromClient(item))
        break
      case 'function_call_output':
      case 'custom_tool_call_output':
        into('outputs').push({
          type: 'tool_result',
          toolCallId: item.call_id as string,
          content: toolResultContent(item.output),
        })
        break
      default:
        alone({ role: 'user', content: [nativePart(item as { type: string }, itemLabel(type))] })
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// Settings

function decodeToolChoice(req: ResponsesRequest): ToolChoice | undefined {
  const choice = req.tool_choice
  if (!choice) return undefined
  if (typeof choice === 'string') return { type: choice }
  const c = choice as WirePart
  if (c.type === 'function' || c.type === 'custom') return { type: 'tool', name: flatToolName(c.namespace, c.name as string) }
  if (c.type === 'allowed_tools') return { type: c.mode as 'auto' | 'required' }
  // A hosted tool (`{type: 'web_search_preview'}`, mcp, shell …): no hub form; the model may still pick it.
  return { type: 'auto' }
}

function decodeResponseFormat(req: ResponsesRequest): ResponseFormat | undefined {
  const f = req.text?.format as WirePart | null | undefined
  if (!f) return undefined
  if (f.type === 'text' || f.type === 'json_object') return { type: f.type }
  if (f.type === 'json_schema') {
    return compact({
      type: 'json_schema' as const,
      name: f.name as string | undefined,
      description: (f.description as string | null | undefined) ?? undefined,
      schema: f.schema as Record<string, unknown>,
      strict: (f.strict as boolean | null | undefined) ?? undefined,
    })
  }
  return undefined
}

function decodeThinking(req: ResponsesRequest): ThinkingConfig | undefined {
  const effort = req.reasoning?.effort
  if (!effort) return undefined
  if (effort === 'none') return { enabled: false }
  return { enabled: true, effort: effort as ReasoningEffort }
}

/** A Responses request body → HubRequest. Throws a 400 GatewayError naming the bad field. */
export function decodeRequest(body: unknown, hints?: RequestHints): HubRequest {
  const req = parseBody(responsesRequestSchema, body)
  const model = req.model ?? hints?.model
  if (!model) throw invalidRequest('model: Invalid input: expected string, received undefined', 'model')

  const { system, messages, tools: extraTools } = decodeItems(req.input)
  if (req.instructions) system.unshift({ type: 'text', text: req.instructions })
  const tools: HubTool[] = []
  const seen = new Set<string>()
  decodeTools((req.tools ?? []) as WirePart[], tools, seen)
  decodeTools(extraTools, tools, seen)

  return compact({
    model,
    system,
    messages,
    tools: tools.length ? tools : undefined,
    toolChoice: decodeToolChoice(req),
    parallelToolCalls: req.parallel_tool_calls ?? undefined,
    maxTokens: req.max_output_tokens ?? undefined,
    temperature: req.temperature ?? undefined,
    topP: req.top_p ?? undefined,
    responseFormat: decodeResponseFormat(req),
    thinking: decodeThinking(req),
    userId: req.safety_identifier ?? req.user ?? undefined,
    metadata: req.metadata ?? undefined,
    stream: req.stream ?? hints?.stream ?? false,
  })
}
