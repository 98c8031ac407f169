import { newId } from '../../hub/ids'
import type { ContentPart, HubRequest, ToolCallPart } from '../../hub/request'
import type { HubResponse, Usage } from '../../hub/response'
import { customInputFromArguments } from '../../hub/tools'
import { encodeTextFormat, encodeTool, encodeToolChoice } from './encode-request'
import { statusFromFinish, type IncompleteDetails, type ResponseStatus } from './map-status'
import { groupNamespaces, itemName, namespacedNames } from './namespaces'
import { reasoningOutputItem } from './reasoning'
import { encodeUsage } from './usage'
import { PROTOCOL } from './wire'

/** The names of the tools the client declared as custom (free-form) tools. */
export function customToolNames(req: HubRequest): Set<string> {
  return new Set((req.tools ?? []).filter((t) => t.kind === 'custom' && !t.native).map((t) => t.name))
}

/**
 * A tool call as an output item. A call of a tool the client declared `custom`
 * is a custom_tool_call even when the upstream (which has no custom tools) made
 * it a function call with one `input` argument: the input is unwrapped. A tool
 * declared inside a namespace gets its own name back, with `namespace`.
 */
export function toolCallItem(call: ToolCallPart, customNames: ReadonlySet<string>, names?: ReturnType<typeof namespacedNames>) {
  const named = itemName(call, names)
  if (call.kind === 'custom' || customNames.has(call.name)) {
    const input = call.kind === 'custom' ? call.arguments : customInputFromArguments(call.arguments)
    return { id: newId('ctc_'), type: 'custom_tool_call', status: 'completed', call_id: call.id, ...named, input }
  }
  return { id: newId('fc_'), type: 'function_call', status: 'completed', call_id: call.id, ...named, arguments: call.arguments }
}

export interface MessageItem {
  id: string
  type: 'message'
  status: 'in_progress' | 'completed'
  role: 'assistant'
  content: Array<{ type: 'output_text'; text: string; annotations: unknown[] }>
}

export const messageItem = (status: MessageItem['status'] = 'completed'): MessageItem => ({
  id: newId('msg_'),
  type: 'message',
  status,
  role: 'assistant',
  content: [],
})

/**
 * Hub parts → output items, in order: thinking → reasoning items, each run of
 * text → one message item, tool calls → function_call / custom_tool_call items.
 * Native parts of other protocols (server tool blocks) are left out.
 */
export function outputItems(content: readonly ContentPart[], req: HubRequest): unknown[] {
  const customNames = customToolNames(req)
  const names = namespacedNames(req.tools)
  const items: unknown[] = []
  let message: MessageItem | undefined
  for (const part of content) {
    switch (part.type) {
      case 'text':
        if (part.text === '') break
        if (!message) items.push((message = messageItem()))
        message.content.push({ type: 'output_text', text: part.text, annotations: [] })
        break
      case 'thinking':
      case 'redacted_thinking':
        message = undefined
        items.push(reasoningOutputItem(part))
        break
      case 'tool_call':
        message = undefined
        items.push(toolCallItem(part, customNames, names))
        break
      case 'native':
        if (part.protocol === PROTOCOL) {
          message = undefined
          items.push(part.raw)
        }
        break
    }
  }
  return items
}

export interface ResponseFields {
  id: string
  model: string
  created_at: number
  status: ResponseStatus | 'in_progress'
  error: { code: string; message: string } | null
  incomplete_details: IncompleteDetails
  output: unknown[]
  usage: Usage | null
}

/** The response object around its output, echoing the request's settings the way OpenAI does. */
export function responseObject(req: HubRequest, f: ResponseFields): Record<string, unknown> {
  return {
    id: f.id,
    object: 'response',
    created_at: f.created_at,
    status: f.status,
    background: false,
    error: f.error,
    incomplete_details: f.incomplete_details,
    instructions: null,
    max_output_tokens: req.maxTokens ?? null,
    model: f.model,
    output: f.output,
    parallel_tool_calls: req.parallelToolCalls ?? true,
    previous_response_id: null,
    reasoning: { effort: req.thinking ? (req.thinking.enabled ? (req.thinking.effort ?? null) : 'none') : null, summary: null },
    temperature: req.temperature ?? null,
    text: { format: req.responseFormat ? encodeTextFormat(req.responseFormat) : { type: 'text' } },
    tool_choice: req.toolChoice ? encodeToolChoice(req.toolChoice, req.tools ?? []) : 'auto',
    tools: groupNamespaces((req.tools ?? []).filter((t) => !t.native || t.native.protocol === PROTOCOL), encodeTool),
    top_p: req.topP ?? null,
    truncation: 'disabled',
    usage: f.usage ? encodeUsage(f.usage) : null,
    user: req.userId ?? null,
    metadata: req.metadata ?? {},
  }
}

/** A failed response's `error` when the model stopped with an error and nothing more is known. */
export const MODEL_ERROR = { code: 'server_error', message: 'The model stopped with an error.' }

/** HubResponse → the response object a Responses client expects. */
export function encodeResponse(res: HubResponse, req: HubRequest): unknown {
  const { status, incomplete_details } = statusFromFinish(res.finishReason)
  return responseObject(req, {
    id: req.responseId ?? newId('resp_'),
    model: res.model || req.model,
    created_at: res.created ?? Math.floor(Date.now() / 1000),
    status,
    error: status === 'failed' ? MODEL_ERROR : null,
    incomplete_details,
    output: outputItems(res.content, req),
    usage: res.usage,
  })
}
