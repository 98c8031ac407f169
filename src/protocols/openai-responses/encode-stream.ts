import { GatewayError } from '../../hub/errors'
import { idInStyle, newId } from '../../hub/ids'
import type { HubRequest, SignatureFormat } from '../../hub/request'
import type { Usage } from '../../hub/response'
import type { HubStreamEvent } from '../../hub/stream'
import { customInputFromArguments } from '../../hub/tools'
import { sseJson } from '../../sse/frame'
import { customToolNames, messageItem, MODEL_ERROR, responseObject, type MessageItem } from './encode-response'
import { errorEvent, responseError } from './errors'
import { itemName, namespacedNames } from './namespaces'
import { statusFromFinish, type IncompleteDetails, type ResponseStatus } from './map-status'
import { encryptedForClient, reasoningOutputItem } from './reasoning'
import { ZERO_USAGE } from './usage'
import { chain, toTransformStream, UTF8, type Emit, type Stage } from '../../streams/stage'

/** The text or reasoning item being written (at most one at a time). */
type OpenItem =
  | { kind: 'message'; index: number; item: MessageItem; text: string }
  | {
      kind: 'reasoning'
      index: number
      id: string
      /** The hub's id for this reasoning, when it had one. */
      hubId?: string
      text: string
      summaryOpen: boolean
      signature?: string
      format?: SignatureFormat
    }

/**
 * A tool call item. `unwrap`: the client declared the tool custom but the
 * upstream called it as a function (`{"input": "…"}`): its arguments are held
 * back and sent as the custom call's raw input when the call ends.
 */
interface ToolItem {
  index: number
  item: Record<string, unknown>
  mode: 'function' | 'custom' | 'unwrap'
  args: string
  done: boolean
}

/**
 * Hub events → Responses SSE (`event: <type>` + `data: <json>`, each payload
 * with `type` and a running `sequence_number`), event by event:
 *
 * response.created, response.in_progress; then per output item
 * output_item.added … output_item.done with, in between, for text
 * content_part.added / output_text.delta / output_text.done / content_part.done,
 * for reasoning reasoning_summary_part.added / reasoning_summary_text.delta /
 * …done / part.done, for tool calls function_call_arguments.delta / .done (or
 * custom_tool_call_input.delta / .done); finally response.completed (or
 * response.incomplete, response.failed) with the whole response. An error is an
 * `error` event followed by response.failed. Each item takes the next
 * output_index; the response id is the same in every event.
 */
export function streamEncoder(req: HubRequest): Stage<HubStreamEvent, string> {
  const responseId = req.responseId ?? newId('resp_')
  const customNames = customToolNames(req)
  const names = namespacedNames(req.tools)
  let model = req.model
  let created = Math.floor(Date.now() / 1000)
  let usage: Usage | undefined
  let seq = 0
  let started = false
  let done = false
  /** Output items by output_index: the announced item until it is done, then the finished one. */
  const output: unknown[] = []
  let open: OpenItem | undefined
  const tools = new Map<number, ToolItem>()

  const handle = (event: HubStreamEvent, controller: Emit<string>) => {
    if (done) return
    const send = (type: string, payload: Record<string, unknown>) =>
      controller.enqueue(sseJson({ type, ...payload, sequence_number: seq++ }, type))

    const response = (
      status: ResponseStatus | 'in_progress',
      extra: { error?: { code: string; message: string } | null; incomplete_details?: IncompleteDetails; usage?: Usage | null } = {},
    ) =>
      responseObject(req, {
        id: responseId,
        model,
        created_at: created,
        status,
        error: extra.error ?? null,
        incomplete_details: extra.incomplete_details ?? null,
        output: status === 'in_progress' ? [] : [...output],
        usage: extra.usage ?? null,
      })

    const ensureStarted = () => {
      if (started) return
      started = true
      send('response.created', { response: response('in_progress') })
      send('response.in_progress', { response: response('in_progress') })
    }

    const addItem = (item: Record<string, unknown>): number => {
      const index = output.length
      output.push(item)
      send('response.output_item.added', { output_index: index, item })
      return index
    }
    const finishItem = (index: number, item: unknown) => {
      output[index] = item
      send('response.output_item.done', { output_index: index, item })
    }

    const closeOpen = () => {
      const o = open
      if (!o) return
      open = undefined
      if (o.kind === 'message') {
        const ref = { item_id: o.item.id, output_index: o.index, content_index: 0 }
        const part = { type: 'output_text', text: o.text, annotations: [] }
        send('response.output_text.done', { ...ref, text: o.text, logprobs: [] })
        send('response.content_part.done', { ...ref, part })
        finishItem(o.index, { ...o.item, status: 'completed', content: [part] })
        return
      }
      if (o.summaryOpen) {
        const ref = { item_id: o.id, output_index: o.index, summary_index: 0 }
        send('response.reasoning_summary_text.done', { ...ref, text: o.text })
        send('response.reasoning_summary_part.done', { ...ref, part: { type: 'summary_text', text: o.text } })
      }
      finishItem(o.index, {
        id: o.id,
        type: 'reasoning',
        summary: o.text ? [{ type: 'summary_text', text: o.text }] : [],
        encrypted_content: o.signature ? encryptedForClient(o.signature, o.format) : null,
      })
    }

    const endTool = (t: ToolItem) => {
      if (t.done) return
      t.done = true
      const ref = { item_id: t.item.id, output_index: t.index }
      if (t.mode === 'function') {
        send('response.function_call_arguments.done', { ...ref, name: t.item.name, arguments: t.args })
        finishItem(t.index, { ...t.item, status: 'completed', arguments: t.args })
        return
      }
      const input = t.mode === 'custom' ? t.args : customInputFromArguments(t.args)
      if (t.mode === 'unwrap' && input) send('response.custom_tool_call_input.delta', { ...ref, delta: input })
      send('response.custom_tool_call_input.done', { ...ref, input })
      finishItem(t.index, { ...t.item, status: 'completed', input })
    }

    const fail = (error: GatewayError) => {
      ensureStarted()
      done = true
      controller.enqueue(sseJson(errorEvent(error, seq++), 'error'))
      send('response.failed', { response: response('failed', { error: responseError(error), usage: usage ?? null }) })
    }

    if (event.type === 'start') {
      if (event.model) model = event.model
      if (event.created !== undefined) created = event.created
      if (event.usage) usage = event.usage
      ensureStarted()
      return
    }
    if (event.type === 'error') return fail(event.error)
    ensureStarted()

    switch (event.type) {
      case 'text_delta': {
        if (!event.text) return
        if (open?.kind !== 'message') {
          closeOpen()
          const item = messageItem('in_progress')
          const index = addItem({ ...item, content: [] })
          send('response.content_part.added', {
            item_id: item.id,
            output_index: index,
            content_index: 0,
            part: { type: 'output_text', text: '', annotations: [] },
          })
          open = { kind: 'message', index, item, text: '' }
        }
        open.text += event.text
        send('response.output_text.delta', {
          item_id: open.item.id,
          output_index: open.index,
          content_index: 0,
          delta: event.text,
          logprobs: [],
        })
        return
      }
      case 'thinking_delta': {
        const continues =
          open?.kind === 'reasoning' && open.signature === undefined && (event.id === undefined || event.id === open.hubId)
        if (!continues) {
          closeOpen()
          const id = idInStyle(event.id, 'rs_')
          const index = addItem({ id, type: 'reasoning', summary: [], encrypted_content: null })
          open = { kind: 'reasoning', index, id, hubId: event.id, text: '', summaryOpen: false }
        }
        const o = open as Extract<OpenItem, { kind: 'reasoning' }>
        if (event.text) {
          const ref = { item_id: o.id, output_index: o.index, summary_index: 0 }
          if (!o.summaryOpen) {
            o.summaryOpen = true
            send('response.reasoning_summary_part.added', { ...ref, part: { type: 'summary_text', text: '' } })
          }
          o.text += event.text
          send('response.reasoning_summary_text.delta', { ...ref, delta: event.text })
        }
        if (event.signature !== undefined) {
          o.signature = event.signature
          o.format = event.format
        }
        return
      }
      case 'redacted_thinking': {
        closeOpen()
        const item = reasoningOutputItem({ type: 'redacted_thinking', data: event.data, format: event.format, id: event.id })
        finishItem(addItem({ ...item, encrypted_content: null }), item)
        return
      }
      case 'tool_call_start': {
        closeOpen()
        if (tools.has(event.index)) return
        const mode = event.kind === 'custom' ? 'custom' : customNames.has(event.name) ? 'unwrap' : 'function'
        const named = itemName(event, names)
        const item =
          mode === 'function'
            ? { id: newId('fc_'), type: 'function_call', status: 'in_progress', call_id: event.id, ...named, arguments: '' }
            : { id: newId('ctc_'), type: 'custom_tool_call', status: 'in_progress', call_id: event.id, ...named, input: '' }
        tools.set(event.index, { index: addItem(item), item, mode, args: '', done: false })
        return
      }
      case 'tool_call_delta': {
        const t = tools.get(event.index)
        if (!t || t.done || !event.argumentsDelta) return
        t.args += event.argumentsDelta
        const ref = { item_id: t.item.id, output_index: t.index, delta: event.argumentsDelta }
        if (t.mode === 'function') send('response.function_call_arguments.delta', ref)
        else if (t.mode === 'custom') send('response.custom_tool_call_input.delta', ref)
        return
      }
      case 'tool_call_end': {
        const t = tools.get(event.index)
        if (t) endTool(t)
        return
      }
      case 'usage':
        usage = event.usage
        return
      case 'finish': {
        closeOpen()
        for (const t of tools.values()) endTool(t)
        if (event.usage) usage = event.usage
        const { status, incomplete_details } = statusFromFinish(event.reason)
        const type = status === 'completed' ? 'response.completed' : status === 'incomplete' ? 'response.incomplete' : 'response.failed'
        done = true
        send(type, {
          response: response(status, {
            error: status === 'failed' ? MODEL_ERROR : null,
            incomplete_details,
            usage: usage ?? ZERO_USAGE,
          }),
        })
        return
      }
    }
  }

  return {
    transform: handle,
    flush(controller) {
      // The hub promises a finish or an error; if neither came, say so rather than end silently.
      if (!done)
        handle({ type: 'error', error: new GatewayError('bad_gateway', 'The upstream stream ended before the response was complete.') }, controller)
    },
  }
}

/** The same as a TransformStream. */
export function encodeStream(req: HubRequest): TransformStream<HubStreamEvent, Uint8Array> {
  return toTransformStream(chain(streamEncoder(req), UTF8))
}
