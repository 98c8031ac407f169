import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { HubStreamEvent } from '../../hub/stream'
import type { SseEvent } from '../../sse/parse'
import { argumentsText } from '../openai-chat/decode-response'
import { outputToParts } from './decode-response'
import { errorFromPayload } from './errors'
import { finishFromStatus } from './map-status'
import { callName } from './namespaces'
import { reasoningText, SUMMARY_JOIN } from './reasoning'
import { decodeUsage } from './usage'
import { isObj, num, OWN_FORMAT, str, type Obj } from './wire'
import { toTransformStream, type Emit, type Stage } from '../../streams/stage'

const TRUNCATED = 'The upstream stream ended before the response was complete.'

/** What is known about one output item, keyed by its output_index. */
interface ItemState {
  type: string
  /** The id the item was announced with (some hosts change item ids on every event; the index stays). */
  id: string
  /** Hub index of a function or custom tool call. */
  toolIndex?: number
  ended?: boolean
  /** Text (message or reasoning) or arguments relayed so far. */
  sent: string
  /** The summary (or content) part the last reasoning delta belonged to. */
  partIndex?: number
}

/**
 * Responses SSE events → hub events.
 *
 * response.created → start; output_text deltas → text; reasoning summary (or
 * reasoning_text) deltas → thinking with the item's id, and the item's
 * encrypted_content, when its output_item.done arrives, as a signature-only
 * thinking delta; function_call / custom_tool_call items → tool calls (hub index
 * = their ordinal); response.completed / response.incomplete → finish with
 * usage; response.failed and `error` events → error. Items are tracked by
 * output_index, never by item id. Events for provider-side tools (web search,
 * MCP, code interpreter …) are ignored: they have no hub form in a stream.
 */
export function streamDecoder(): Stage<SseEvent, HubStreamEvent> {
  let out!: Emit<HubStreamEvent>
  let started = false
  let done = false
  let refused = false
  let contentSeen = false
  let toolCount = 0
  const items = new Map<number, ItemState>()
  // The message item the last text came from, while a text run continues.
  let textItem: number | undefined

  const start = (response?: unknown) => {
    if (started) return
    started = true
    const r = isObj(response) ? response : {}
    out.enqueue({
      type: 'start',
      id: str(r.id) || newId('resp_'),
      model: str(r.model) ?? '',
      ...(typeof r.created_at === 'number' ? { created: r.created_at } : {}),
    })
  }
  /** A content event; a host that skipped response.created gets a start first. */
  const emit = (e: HubStreamEvent) => {
    start()
    contentSeen = true
    if (e.type !== 'text_delta') textItem = undefined
    out.enqueue(e)
  }
  const fail = (error: GatewayError) => {
    done = true
    out.enqueue({ type: 'error', error })
  }

  const stateAt = (ev: Obj): ItemState | undefined => items.get(num(ev.output_index) ?? -1)

  const startCall = (st: ItemState, item: Obj) => {
    st.toolIndex = toolCount++
    const custom = item.type === 'custom_tool_call'
    emit({
      type: 'tool_call_start',
      index: st.toolIndex,
      id: str(item.call_id) || str(item.id) || newId('call_'),
      ...callName(item.namespace, str(item.name) ?? ''),
      ...(custom ? { kind: 'custom' as const } : {}),
    })
    const initial = custom ? (str(item.input) ?? '') : argumentsText(item.arguments)
    if (initial) toolDelta(st, initial)
  }
  const toolDelta = (st: ItemState | undefined, delta: string) => {
    if (!st || st.toolIndex === undefined || st.ended || !delta) return
    st.sent += delta
    emit({ type: 'tool_call_delta', index: st.toolIndex, argumentsDelta: delta })
  }
  const endCall = (st: ItemState) => {
    if (st.toolIndex === undefined || st.ended) return
    st.ended = true
    emit({ type: 'tool_call_end', index: st.toolIndex })
  }

  const addItem = (index: number, item: Obj): ItemState => {
    const st: ItemState = { type: str(item.type) ?? '', id: str(item.id) ?? '', sent: '' }
    items.set(index, st)
    if (item.type === 'function_call' || item.type === 'custom_tool_call') startCall(st, item)
    return st
  }

  const thinkingDelta = (ev: Obj, partField: 'summary_index' | 'content_index') => {
    const delta = str(ev.delta)
    if (!delta) return
    const index = num(ev.output_index) ?? -1
    const st = items.get(index) ?? addItem(index, { type: 'reasoning', id: ev.item_id })
    const part = num(ev[partField]) ?? 0
    // A new summary part of the same item: separated as in a finished response.
    const text = st.sent && st.partIndex !== part ? SUMMARY_JOIN + delta : delta
    st.sent += text
    st.partIndex = part
    emit({ type: 'thinking_delta', text, ...(st.id ? { id: st.id } : {}) })
  }

  const textDelta = (index: number, text: string | undefined) => {
    if (!text) return
    const st = items.get(index)
    if (st) st.sent += text
    // Two message items in a row (commentary, then the final answer) would otherwise run together.
    const separated = textItem !== undefined && textItem !== index ? SUMMARY_JOIN + text : text
    emit({ type: 'text_delta', text: separated })
    textItem = index
  }

  /**
   * The finished item is the authority: whatever its text (or arguments) has
   * beyond what the deltas carried is sent now. That covers hosts that send no
   * deltas at all, and recordings with deltas left out.
   */
  const rest = (full: string, sent: string) => (full.length > sent.length && full.startsWith(sent) ? full.slice(sent.length) : '')

  const itemDone = (index: number, item: Obj) => {
    let st = items.get(index)
    if (!st) st = addItem(index, item)
    switch (item.type) {
      case 'reasoning': {
        const text = rest(reasoningText(item), st.sent)
        st.sent += text
        const signature = str(item.encrypted_content)
        if (text || signature)
          emit({
            type: 'thinking_delta',
            text,
            ...(signature ? { signature, format: OWN_FORMAT } : {}),
            ...(st.id || str(item.id) ? { id: st.id || (item.id as string) } : {}),
          })
        return
      }
      case 'message': {
        const parts = Array.isArray(item.content) ? item.content.filter(isObj) : []
        if (parts.some((p) => p.type === 'refusal')) refused = true
        const full = parts.map((p) => (p.type === 'output_text' ? str(p.text) : p.type === 'refusal' ? str(p.refusal) : '') ?? '').join('')
        textDelta(index, rest(full, st.sent))
        return
      }
      case 'function_call':
        toolDelta(st, rest(argumentsText(item.arguments), st.sent))
        return endCall(st)
      case 'custom_tool_call':
        toolDelta(st, rest(str(item.input) ?? '', st.sent))
        return endCall(st)
    }
  }

  /** A stream that never streamed its items: relay the finished response's output. */
  const replayOutput = (response: Obj) => {
    const output = Array.isArray(response.output) ? response.output.filter(isObj) : []
    const parts = outputToParts(output)
    refused ||= parts.refused
    for (const part of parts.content) {
      if (part.type === 'text') emit({ type: 'text_delta', text: part.text })
      else if (part.type === 'thinking')
        emit({ type: 'thinking_delta', text: part.text, ...(part.signature ? { signature: part.signature, format: part.format } : {}), ...(part.id ? { id: part.id } : {}) })
      else if (part.type === 'tool_call') {
        const index = toolCount++
        emit({
          type: 'tool_call_start',
          index,
          id: part.id,
          name: part.name,
          ...(part.kind ? { kind: part.kind } : {}),
          ...(part.namespace ? { namespace: part.namespace } : {}),
        })
        if (part.arguments) emit({ type: 'tool_call_delta', index, argumentsDelta: part.arguments })
        emit({ type: 'tool_call_end', index })
      }
    }
  }

  const finish = (response: Obj, type: string) => {
    start(response)
    for (const st of items.values()) endCall(st)
    if (!contentSeen) replayOutput(response)
    const status = str(response.status) ?? (type === 'response.incomplete' ? 'incomplete' : 'completed')
    const incomplete = isObj(response.incomplete_details) ? response.incomplete_details.reason : undefined
    const reason = refused ? 'content_filter' : finishFromStatus(status, incomplete, toolCount > 0)
    const usage = decodeUsage(response.usage)
    done = true
    out.enqueue({ type: 'finish', reason, ...(usage ? { usage } : {}) })
  }

  const upstreamError = (payload: unknown) =>
    errorFromPayload(payload) ?? new GatewayError('api_error', 'The upstream reported an error.', { upstream: true })

  const onEvent = (event: SseEvent) => {
    const data = event.data.trim()
    if (data === '' || data === '[DONE]') return
    let ev: unknown
    try {
      ev = JSON.parse(data)
    } catch {
      return fail(new GatewayError('bad_gateway', 'The upstream sent a stream event that is not JSON.', { upstream: true }))
    }
    if (!isObj(ev)) return fail(new GatewayError('bad_gateway', 'The upstream sent an unexpected stream event.', { upstream: true }))
    const type = str(ev.type) ?? event.event ?? ''

    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        return start(ev.response)
      case 'error':
        return fail(upstreamError(ev))
      case 'response.failed': {
        const response = isObj(ev.response) ? ev.response : {}
        return fail(upstreamError({ error: isObj(response.error) ? response.error : { message: 'The upstream response failed.' } }))
      }
      case 'response.output_item.added':
        if (isObj(ev.item)) addItem(num(ev.output_index) ?? items.size, ev.item)
        return
      case 'response.output_text.delta':
        return textDelta(num(ev.output_index) ?? -1, str(ev.delta))
      case 'response.refusal.delta':
        refused = true
        return textDelta(num(ev.output_index) ?? -1, str(ev.delta))
      case 'response.reasoning_summary_text.delta':
        return thinkingDelta(ev, 'summary_index')
      case 'response.reasoning_text.delta':
        return thinkingDelta(ev, 'content_index')
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
        return toolDelta(stateAt(ev), str(ev.delta) ?? '')
      case 'response.function_call_arguments.done': {
        const st = stateAt(ev)
        if (st) toolDelta(st, rest(str(ev.arguments) ?? '', st.sent))
        return
      }
      case 'response.custom_tool_call_input.done': {
        const st = stateAt(ev)
        if (st) toolDelta(st, rest(str(ev.input) ?? '', st.sent))
        return
      }
      case 'response.output_item.done':
        if (isObj(ev.item)) itemDone(num(ev.output_index) ?? items.size, ev.item)
        return
      case 'response.completed':
      case 'response.incomplete':
        return finish(isObj(ev.response) ? ev.response : {}, type)
    }
  }

  return {
    start(controller) {
      out = controller
    },
    transform(event) {
      if (!done) onEvent(event)
    },
    flush() {
      if (!done) fail(new GatewayError('bad_gateway', TRUNCATED, { upstream: true }))
    },
  }
}

/** The same as a TransformStream. */
export function decodeStream(): TransformStream<SseEvent, HubStreamEvent> {
  return toTransformStream(streamDecoder())
}
