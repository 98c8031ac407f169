import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { FinishReason, Usage } from '../../hub/response'
import type { HubStreamEvent } from '../../hub/stream'
import type { SseEvent } from '../../sse/parse'
import { argumentsText } from './decode-response'
import { errorFromPayload } from './errors'
import { fromOpenAIFinishReason } from './map-finish-reason'
import { decodeUsage } from './usage'
import { toTransformStream, type Emit, type Stage } from '../../streams/stage'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

const TRUNCATED = 'The upstream stream ended before the response was complete.'

interface ToolCallState {
  /** Hub index: 0, 1, 2 … in order of first appearance. */
  index: number
  id: string
  name?: string
  /** Arguments that arrived before the name (the start event needs the name). */
  pendingArgs: string
  started: boolean
  ended: boolean
}

/**
 * Chat Completions chunks (`data: {...}` … `data: [DONE]`) → hub stream events.
 *
 * Tool calls are keyed by the chunk's `index`. A new index starts a call, and so
 * does a new non-empty `id` at an index already in use: some hosts send every
 * call at index 0. `finish` waits for `[DONE]` (or the end of the stream) because
 * the usage chunk (`choices: []`) comes after the chunk that carries finish_reason.
 */
export function streamDecoder(): Stage<SseEvent, HubStreamEvent> {
  let out!: Emit<HubStreamEvent>
  let started = false
  let done = false
  let finishReason: FinishReason | undefined
  let refused = false
  let usage: Usage | undefined
  const calls: ToolCallState[] = []
  const byUpstreamIndex = new Map<number, ToolCallState>()

  const emit = (e: HubStreamEvent) => out.enqueue(e)
  const fail = (error: GatewayError) => {
    done = true
    emit({ type: 'error', error })
  }
  const finish = () => {
    for (const call of calls) endCall(call)
    let reason: FinishReason = finishReason ?? 'stop'
    if (refused) reason = 'content_filter'
    // Some hosts say `stop` after tool calls; the client must still run them.
    else if (reason === 'stop' && calls.length) reason = 'tool_calls'
    done = true
    emit({ type: 'finish', reason, ...(usage ? { usage } : {}) })
  }
  const startCall = (call: ToolCallState) => {
    if (call.started || call.name === undefined) return
    call.started = true
    emit({ type: 'tool_call_start', index: call.index, id: call.id, name: call.name })
    if (call.pendingArgs) emit({ type: 'tool_call_delta', index: call.index, argumentsDelta: call.pendingArgs })
    call.pendingArgs = ''
  }
  const endCall = (call: ToolCallState) => {
    if (call.ended) return
    if (!call.started) {
      call.name ??= '' // never named: still report it rather than lose its arguments
      startCall(call)
    }
    call.ended = true
    emit({ type: 'tool_call_end', index: call.index })
  }

  const onChoice = (choice: Obj) => {
    const delta = isObj(choice.delta) ? choice.delta : {}

    // Reasoning. OpenRouter sends reasoning_details beside a plain copy; use one.
    const details = Array.isArray(delta.reasoning_details) ? delta.reasoning_details.filter(isObj) : []
    if (details.length) {
      for (const d of details) {
        if (d.type === 'reasoning.encrypted') {
          if (typeof d.data === 'string') emit({ type: 'redacted_thinking', data: d.data })
          continue
        }
        const text = str(d.type === 'reasoning.summary' ? d.summary : d.text) ?? ''
        const signature = str(d.signature)
        if (text || signature) emit({ type: 'thinking_delta', text, ...(signature ? { signature } : {}) })
      }
    } else {
      const plain = str(delta.reasoning_content) || str(delta.reasoning)
      if (plain) emit({ type: 'thinking_delta', text: plain })
    }

    const text = str(delta.content)
    if (text) emit({ type: 'text_delta', text })
    const refusal = str(delta.refusal)
    if (refusal) {
      refused = true
      emit({ type: 'text_delta', text: refusal })
    }

    const toolCalls = Array.isArray(delta.tool_calls) ? delta.tool_calls.filter(isObj) : []
    for (const tc of toolCalls) {
      const upstreamIndex = typeof tc.index === 'number' ? tc.index : -1
      const fn = isObj(tc.function) ? tc.function : {}
      const id = str(tc.id)
      let call = byUpstreamIndex.get(upstreamIndex)
      if (!call || (id && id !== call.id)) {
        if (call) endCall(call) // this index now belongs to a new call
        call = { index: calls.length, id: id || newId('call_'), pendingArgs: '', started: false, ended: false }
        calls.push(call)
        byUpstreamIndex.set(upstreamIndex, call)
      }
      if (call.ended) continue
      const name = str(fn.name)
      if (name && call.name === undefined) call.name = name
      const args = argumentsText(fn.arguments)
      if (!call.started) {
        call.pendingArgs += args
        startCall(call)
      } else if (args) {
        emit({ type: 'tool_call_delta', index: call.index, argumentsDelta: args })
      }
    }

    const reason = str(choice.finish_reason)
    if (reason) {
      finishReason = fromOpenAIFinishReason(reason)
      for (const call of calls) endCall(call)
    }
  }

  const onData = (event: SseEvent) => {
    const data = event.data.trim()
    if (data === '') return
    if (data === '[DONE]') {
      // The upstream says it is complete, even if it never named a finish_reason.
      return started ? finish() : fail(new GatewayError('bad_gateway', TRUNCATED, { upstream: true }))
    }

    let chunk: unknown
    try {
      chunk = JSON.parse(data)
    } catch {
      return fail(new GatewayError('bad_gateway', 'The upstream sent a stream event that is not JSON.', { upstream: true }))
    }
    if (!isObj(chunk)) return fail(new GatewayError('bad_gateway', 'The upstream sent an unexpected stream event.', { upstream: true }))
    // `{"error": {...}}` (OpenAI, OpenRouter) or vLLM's `{"object": "error", ...}`.
    if ((chunk.error !== undefined && chunk.error !== null) || chunk.object === 'error' || event.event === 'error') {
      return fail(errorFromPayload(chunk) ?? new GatewayError('api_error', 'The upstream reported an error.', { upstream: true }))
    }

    if (!started) {
      started = true
      emit({
        type: 'start',
        id: str(chunk.id) || newId('chatcmpl-'),
        model: str(chunk.model) ?? '',
        ...(typeof chunk.created === 'number' ? { created: chunk.created } : {}),
      })
    }

    const choices = Array.isArray(chunk.choices) ? chunk.choices.filter(isObj) : []
    // Only the first choice is modelled (n > 1 streams interleave choices).
    const choice = choices.find((c) => c.index === 0 || c.index === undefined)
    if (choice) onChoice(choice)

    const chunkUsage = decodeUsage(chunk.usage)
    if (chunkUsage) {
      usage = chunkUsage
      emit({ type: 'usage', usage: chunkUsage })
    }
  }

  return {
    start(controller) {
      out = controller
    },
    transform(event) {
      if (!done) onData(event)
    },
    flush() {
      if (done) return
      // Finished but no [DONE]: fine. No finish_reason at all: the stream was cut.
      if (finishReason !== undefined) finish()
      else fail(new GatewayError('bad_gateway', TRUNCATED, { upstream: true }))
    },
  }
}

/** The same as a TransformStream. */
export function decodeStream(): TransformStream<SseEvent, HubStreamEvent> {
  return toTransformStream(streamDecoder())
}
