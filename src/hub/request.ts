/**
 * The canonical request: what every protocol decodes a client request into and
 * encodes an upstream request from. Field names are our own; each protocol folder
 * maps its wire names to these.
 */

/** Anthropic-style prompt-cache marker; carried so an Anthropic upstream still sees it. */
export interface CacheControl {
  type: 'ephemeral'
  ttl?: string
}

export interface TextPart {
  type: 'text'
  text: string
  cacheControl?: CacheControl
}

export type ImageSource =
  | { kind: 'base64'; mediaType: string; data: string }
  | { kind: 'url'; url: string }

export interface ImagePart {
  type: 'image'
  source: ImageSource
  /** OpenAI's `detail` hint, kept for OpenAI upstreams. */
  detail?: string
  cacheControl?: CacheControl
}

export interface ToolCallPart {
  type: 'tool_call'
  id: string
  name: string
  /**
   * The arguments as JSON text, exactly as the model produced them. For a
   * `custom` call (OpenAI free-form tools) it is the raw input text instead.
   */
  arguments: string
  /** `custom` for a call of a free-form tool (see HubTool.kind); absent means function. */
  kind?: 'function' | 'custom'
  /** Opaque provider signature tied to the call (Gemini `thoughtSignature`); must come back unchanged. */
  signature?: string
  /** OpenAI Responses: the namespace the call was made in; `name` is then the flat name (see HubTool.namespace). */
  namespace?: ToolNamespace
  cacheControl?: CacheControl
}

export interface ToolResultPart {
  type: 'tool_result'
  toolCallId: string
  content: string | Array<TextPart | ImagePart>
  isError?: boolean
  cacheControl?: CacheControl
}

/**
 * Where a reasoning signature came from, in OpenRouter's `reasoning_details`
 * vocabulary. A signature is only valid for the provider family that made it, so
 * encoders send it back only to that family and drop it elsewhere.
 */
export type SignatureFormat = 'anthropic-claude-v1' | 'openai-responses-v1' | 'google-gemini-v1' | (string & {})

/** Visible reasoning. `signature` is opaque and must survive a round trip byte for byte. */
export interface ThinkingPart {
  type: 'thinking'
  text: string
  signature?: string
  format?: SignatureFormat
  /** The provider's id for this reasoning item (OpenAI Responses `rs_…`). */
  id?: string
}

/** Reasoning the provider encrypted; `data` is opaque and returned unchanged. */
export interface RedactedThinkingPart {
  type: 'redacted_thinking'
  data: string
  format?: SignatureFormat
  id?: string
}

/**
 * Something valid in one protocol that the hub does not model (an Anthropic
 * `document` or `server_tool_use` block, an OpenAI `input_audio` part). The
 * protocol that made it writes `raw` back unchanged; any other protocol refuses
 * it with a 400 that names `label` (requests) or leaves it out (responses).
 */
export interface NativePart {
  type: 'native'
  protocol: string
  /** What to call it in an error: `content block "document"`. */
  label: string
  raw: unknown
}

export type ContentPart =
  | TextPart
  | ImagePart
  | ToolCallPart
  | ToolResultPart
  | ThinkingPart
  | RedactedThinkingPart
  | NativePart

/**
 * `system` messages may appear mid-conversation (Claude Code and OpenAI both send
 * them); leading ones are usually lifted into `HubRequest.system` by decoders.
 * Tool results ride in `user` messages, as in Anthropic's protocol.
 */
export interface HubMessage {
  role: 'system' | 'user' | 'assistant'
  content: ContentPart[]
  /** OpenAI's optional participant name. */
  name?: string
}

/** Where a tool declared inside an OpenAI Responses `namespace` tool came from (see openai-responses/namespaces.ts). */
export interface ToolNamespace {
  /** The namespace's name (`functions`, `mcp__github`). */
  name: string
  description?: string
  /** The tool's own name inside it; the HubTool's `name` is the flat name every provider accepts. */
  localName: string
}

export interface HubTool {
  /**
   * Set for a provider-defined tool (Anthropic `web_search_20250305`, OpenAI
   * `web_search`). The protocol that made it sends it back raw; other protocols
   * leave it out with a warning (the model simply does not get that tool).
   */
  native?: { protocol: string; label: string; raw: unknown }
  /**
   * `custom`: a free-form tool whose call carries raw text, not JSON (OpenAI
   * Responses custom tools, as Codex sends them). Protocols without custom tools
   * offer it as a function with one string argument, `input` (see hub/tools.ts).
   */
  kind?: 'function' | 'custom'
  /** A custom tool's input format (grammar definition), as the client sent it. */
  customFormat?: unknown
  /** Set for a tool a Responses client declared inside a namespace; `name` is then its flat name. */
  namespace?: ToolNamespace
  name: string
  description?: string
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>
  strict?: boolean
  cacheControl?: CacheControl
}

export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  | { type: 'required' }
  | { type: 'tool'; name: string }

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name?: string; description?: string; schema: Record<string, unknown>; strict?: boolean }

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max'

export interface ThinkingConfig {
  /** false means the client explicitly turned reasoning off. */
  enabled: boolean
  budgetTokens?: number
  effort?: ReasoningEffort
  /** Anthropic `adaptive` thinking (the model decides how much to think). */
  adaptive?: boolean
}

export interface HubRequest {
  /** The model as the client named it, selector included (`backend:model`). */
  model: string
  system: TextPart[]
  messages: HubMessage[]
  tools?: HubTool[]
  toolChoice?: ToolChoice
  parallelToolCalls?: boolean
  maxTokens?: number
  temperature?: number
  topP?: number
  topK?: number
  stopSequences?: string[]
  seed?: number
  frequencyPenalty?: number
  presencePenalty?: number
  responseFormat?: ResponseFormat
  thinking?: ThinkingConfig
  /** End-user id for abuse tracking (OpenAI `user`, Anthropic `metadata.user_id`). */
  userId?: string
  /** Free-form key/values (OpenAI `metadata`). */
  metadata?: Record<string, string>
  /**
   * The id the client must see on the response. Set by the gateway when it needs
   * to know the id in advance (to store an OpenAI Responses response).
   */
  responseId?: string
  /** How many choices (OpenAI `n`); only OpenAI Chat Completions can return more than one. */
  n?: number
  stream: boolean
  /** OpenAI `stream_options.include_usage`; other front ends always get usage. */
  streamUsage?: boolean
}
