import type {
  ContentPart,
  HubMessage,
  HubRequest,
  HubTool,
  ImagePart,
  NativePart,
  TextPart,
  ThinkingConfig,
  ToolChoice,
} from '../../hub/request'
import { parseBody } from '../../hub/validate'
import { cacheControlFromAnthropic } from './cache-control'
import { unwrapSignature } from '../../hub/signature-envelope'
import {
  requestSchema,
  type AnthropicImageBlock,
  type AnthropicRedactedThinkingBlock,
  type AnthropicRequest,
  type AnthropicTextBlock,
  type AnthropicThinkingBlock,
  type AnthropicTool,
  type AnthropicToolResultBlock,
  type AnthropicToolUseBlock,
} from './schema'

export const PROTOCOL = 'anthropic'

/** A client's Anthropic Messages body → HubRequest. Throws a 400 naming the bad field. */
export function decodeRequest(body: unknown): HubRequest {
  const req = parseBody(requestSchema, body)

  const hub: HubRequest = {
    model: req.model,
    system: decodeSystem(req.system),
    messages: req.messages.map((m) => decodeMessage(m.role, m.content)),
    stream: req.stream ?? false,
  }

  if (req.tools?.length) hub.tools = req.tools.map(decodeTool)
  if (req.tool_choice) {
    hub.toolChoice = decodeToolChoice(req.tool_choice)
    if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use === true)
      hub.parallelToolCalls = false
  }
  if (req.max_tokens != null) hub.maxTokens = req.max_tokens
  if (req.temperature != null) hub.temperature = req.temperature
  if (req.top_p != null) hub.topP = req.top_p
  if (req.top_k != null) hub.topK = req.top_k
  if (req.stop_sequences?.length) hub.stopSequences = req.stop_sequences
  if (req.metadata?.user_id) hub.userId = req.metadata.user_id

  const thinking = decodeThinking(req)
  if (thinking) hub.thinking = thinking

  const format = req.output_config?.format ?? req.output_format
  if (format) hub.responseFormat = { type: 'json_schema', schema: format.schema }

  return hub
}

function decodeSystem(system: AnthropicRequest['system']): TextPart[] {
  if (system == null) return []
  if (typeof system === 'string') return system === '' ? [] : [{ type: 'text', text: system }]
  return system.map(decodeText)
}

function decodeText(block: AnthropicTextBlock): TextPart {
  const part: TextPart = { type: 'text', text: block.text }
  const cc = cacheControlFromAnthropic(block.cache_control)
  if (cc) part.cacheControl = cc
  return part
}

function decodeMessage(role: HubMessage['role'], content: string | Array<{ type: string }>): HubMessage {
  if (typeof content === 'string') return { role, content: [{ type: 'text', text: content }] }
  return { role, content: content.map(decodeBlock) }
}

/** One content block. Blocks the hub does not model become native parts. */
export function decodeBlock(block: { type: string }): ContentPart {
  switch (block.type) {
    case 'text':
      return decodeText(block as AnthropicTextBlock)
    case 'image':
      return decodeImage(block as AnthropicImageBlock) ?? native(block)
    case 'tool_use': {
      const b = block as AnthropicToolUseBlock
      const part: ContentPart = { type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) }
      const cc = cacheControlFromAnthropic(b.cache_control)
      if (cc) part.cacheControl = cc
      return part
    }
    case 'tool_result':
      return decodeToolResult(block as AnthropicToolResultBlock) ?? native(block)
    case 'thinking': {
      const b = block as AnthropicThinkingBlock
      // A signature from another provider family comes back wrapped (hub/signature-envelope.ts).
      return b.signature != null
        ? { type: 'thinking', text: b.thinking, ...unwrapSignature(b.signature, 'anthropic-claude-v1') }
        : { type: 'thinking', text: b.thinking }
    }
    case 'redacted_thinking':
    {
      const { signature, format } = unwrapSignature((block as AnthropicRedactedThinkingBlock).data, 'anthropic-claude-v1')
      return { type: 'redacted_thinking', data: signature, format }
    }
    default:
      return native(block)
  }
}

function native(block: { type: string }, label = `content block "${block.type}"`): NativePart {
  return { type: 'native', protocol: PROTOCOL, label, raw: block }
}

function decodeImage(block: AnthropicImageBlock): ImagePart | undefined {
  const src = block.source as { type: string; media_type?: string; data?: string; url?: string }
  let part: ImagePart
  if (src.type === 'base64') part = { type: 'image', source: { kind: 'base64', mediaType: src.media_type!, data: src.data! } }
  else if (src.type === 'url') part = { type: 'image', source: { kind: 'url', url: src.url! } }
  else return undefined // a `file` source (Files API id) only Anthropic understands
  const cc = cacheControlFromAnthropic(block.cache_control)
  if (cc) part.cacheControl = cc
  return part
}

/**
 * A tool_result whose content holds only text and images maps to the hub; one that
 * also holds `document`, `search_result`, `tool_reference` … blocks stays native
 * as a whole, so nothing inside it is silently lost.
 */
function decodeToolResult(block: AnthropicToolResultBlock): ContentPart | undefined {
  let content: string | Array<TextPart | ImagePart>
  if (block.content == null) content = ''
  else if (typeof block.content === 'string') content = block.content
  else {
    content = []
    for (const inner of block.content) {
      const part = inner.type === 'text' || inner.type === 'image' ? decodeBlock(inner) : undefined
      if (!part || (part.type !== 'text' && part.type !== 'image')) return undefined
      content.push(part)
    }
  }
  const part: ContentPart = { type: 'tool_result', toolCallId: block.tool_use_id, content }
  if (block.is_error != null) part.isError = block.is_error
  const cc = cacheControlFromAnthropic(block.cache_control)
  if (cc) part.cacheControl = cc
  return part
}

/**
 * Custom tools map to HubTool. Anthropic-defined tools (`web_search_20250305`,
 * `bash_20250124`, `text_editor_*`, `code_execution_*`, `memory_*` …) carry a
 * versioned `type` and no input_schema: they stay native.
 */
function decodeTool(tool: AnthropicTool): HubTool {
  const cacheControl = cacheControlFromAnthropic(tool.cache_control)
  if (tool.type != null && tool.type !== 'custom') {
    const hub: HubTool = {
      native: { protocol: PROTOCOL, label: `tool "${tool.type}"`, raw: tool },
      name: tool.name,
      parameters: {},
    }
    if (cacheControl) hub.cacheControl = cacheControl
    return hub
  }
  const hub: HubTool = { name: tool.name, parameters: (tool.input_schema ?? {}) as Record<string, unknown> }
  if (tool.description != null) hub.description = tool.description
  if (tool.strict != null) hub.strict = tool.strict
  if (cacheControl) hub.cacheControl = cacheControl
  return hub
}

function decodeToolChoice(choice: NonNullable<AnthropicRequest['tool_choice']>): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return { type: 'auto' }
    case 'any':
      return { type: 'required' }
    case 'none':
      return { type: 'none' }
    case 'tool':
      return { type: 'tool', name: choice.name }
  }
}

/**
 * `thinking` and `output_config.effort` → ThinkingConfig.
 * - enabled → { enabled, budgetTokens }; disabled → { enabled: false }; adaptive → { enabled, adaptive }.
 * - Any other (future) type, e.g. `between_tools`, is read as adaptive: the model decides.
 * - effort without a thinking config reads as { enabled: true, effort } (effort alone
 *   lets the model think on the models that support it).
 */
function decodeThinking(req: AnthropicRequest): ThinkingConfig | undefined {
  const effort = req.output_config?.effort ?? undefined
  let config: ThinkingConfig | undefined
  const t = req.thinking as { type: string; budget_tokens?: number } | null | undefined
  if (t) {
    if (t.type === 'enabled') config = { enabled: true, budgetTokens: t.budget_tokens! }
    else if (t.type === 'disabled') config = { enabled: false }
    else config = { enabled: true, adaptive: true }
  }
  if (effort) config = { ...(config ?? { enabled: true }), effort }
  return config
}
