import { GatewayError } from '../../hub/errors'
import { idInStyle } from '../../hub/ids'
import { wrapSignature } from '../../hub/signature-envelope'
import type { HubRequest } from '../../hub/request'
import type { Usage } from '../../hub/response'
import type { HubStreamEvent } from '../../hub/stream'
import { sseJson, sseText } from '../../sse/frame'
import { errorBody } from './errors'
import { finishReasonToAnthropic } from './map-stop-reason'
import { usageToAnthropic } from './usage'
import { chain, toTransformStream, UTF8, type Emit, type Stage } from '../../streams/stage'

/** Signatures of this protocol's own family travel bare; others are wrapped (hub/signature-envelope.ts). */
const OWN = 'anthropic-claude-v1'

type ContentEvent = Extract<
  HubStreamEvent,
  { type: 'text_delta' | 'thinking_delta' | 'redacted_thinking' | 'tool_call_start' | 'tool_call_delta' | 'tool_call_end' }
>

type OpenBlock =
  | { kind: 'text'; index: number }
  | { kind: 'thinking'; index: number; signature: string; format?: string }
  | { kind: 'tool'; index: number; hubIndex: number }

/**
 * Hub events → Anthropic SSE, event by event:
 * message_start, ping, then content blocks, then message_delta and message_stop.
 *
 * Blocks are strictly sequential (the Anthropic SDK's MessageStream applies
 * content_block_stop to `content.at(-1)`): at most one block is open, every
 * delta names the open block, indexes run 0, 1, 2 … A change of kind closes
 * the open block first. While a tool_use block is open, events about anything
 * else (text, thinking, other interleaved tool calls) wait in order in a queue;
 * when the tool call ends, the queue is replayed, a waiting tool call's
 * buffered arguments going out as one input_json_delta. Nothing is lost.
 *
 * A thinking block's signature is sent as one signature_delta just before the
 * block closes (the SDK replaces, not appends, on signature_delta).
 */
export function streamEncoder(req: HubRequest): Stage<HubStreamEvent, string> {
  // Only what the encoder needs is kept for the stream's life, not the whole request.
  const requestedModel = req.model
  let started = false
  let done = false
  let messageId: string | undefined
  let model: string | undefined
  let startUsage: Usage | undefined
  let lastUsage: Usage | undefined
  let nextIndex = 0
  let open: OpenBlock | undefined
  const tools = new Map<number, 'open' | 'closed'>()
  let deferred: ContentEvent[] = []

  // One set of helpers per stream (not per event); `controller` is the current event's sink.
  let controller!: Emit<string>
  const send = (type: string, payload: Record<string, unknown>) =>
    controller.enqueue(sseJson({ type, ...payload }, type))

  const ensureStarted = () => {
    if (started) return
    started = true
    send('message_start', {
      message: {
        id: idInStyle(messageId, 'msg_'),
        type: 'message',
        role: 'assistant',
        model: model || requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageToAnthropic(startUsage),
      },
    })
    send('ping', {})
  }

  const startBlock = (contentBlock: Record<string, unknown>): number => {
    ensureStarted()
    const index = nextIndex++
    send('content_block_start', { index, content_block: contentBlock })
    return index
  }

  const closeOpen = () => {
    if (!open) return
    if (open.kind === 'thinking' && open.signature)
      send('content_block_delta', { index: open.index, delta: { type: 'signature_delta', signature: wrapSignature(open.signature, open.format, OWN) } })
    send('content_block_stop', { index: open.index })
    if (open.kind === 'tool') tools.set(open.hubIndex, 'closed')
    open = undefined
  }

  /** Events that must wait: anything not about the open tool call, while one is open. */
  const isBlocked = (e: ContentEvent) =>
    open?.kind === 'tool' &&
    !((e.type === 'tool_call_delta' || e.type === 'tool_call_end') && e.index === open.hubIndex)

  const sendArguments = (index: number, text: string) => {
    if (text !== '') send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: text } })
  }

  const apply = (e: ContentEvent, fromQueue: boolean) => {
    switch (e.type) {
      case 'text_delta':
        if (e.text === '') return
        if (open?.kind !== 'text') {
          closeOpen()
          open = { kind: 'text', index: startBlock({ type: 'text', text: '' }) }
        }
        // The hot path: only the text is stringified.
        controller.enqueue(
          sseText(`event: content_block_delta\ndata: {"type":"content_block_delta","index":${open.index},"delta":{"type":"text_delta","text":${JSON.stringify(e.text)}}}\n\n`),
        )
        return
      case 'thinking_delta': {
        if (e.text === '' && !e.signature) return
        // Thinking after a signature belongs to a new thinking block.
        if (open?.kind === 'thinking' && open.signature && e.text !== '') closeOpen()
        if (open?.kind !== 'thinking') {
          closeOpen()
          open = { kind: 'thinking', index: startBlock({ type: 'thinking', thinking: '', signature: '' }), signature: '' }
        }
        if (e.text !== '')
          send('content_block_delta', { index: open.index, delta: { type: 'thinking_delta', thinking: e.text } })
        if (e.signature) {
          open.signature += e.signature
          open.format = e.format
        }
        return
      }
      case 'redacted_thinking': {
        closeOpen()
        const index = startBlock({ type: 'redacted_thinking', data: wrapSignature(e.data, e.format, OWN) })
        send('content_block_stop', { index })
        return
      }
      case 'tool_call_start': {
        if (tools.has(e.index)) return // a repeated start
        closeOpen()
        tools.set(e.index, 'open')
        const block = { kind: 'tool' as const, index: startBlock({ type: 'tool_use', id: e.id, name: e.name, input: {} }), hubIndex: e.index }
        open = block
        if (fromQueue) {
          // This call waited behind another: its buffered arguments go out as one delta.
          let buffered = ''
          deferred = deferred.filter((d) => {
            if (d.type !== 'tool_call_delta' || d.index !== e.index) return true
            buffered += d.argumentsDelta
            return false
          })
          sendArguments(block.index, buffered)
        }
        return
      }
      case 'tool_call_delta':
        if (open?.kind === 'tool' && open.hubIndex === e.index) sendArguments(open.index, e.argumentsDelta)
        return // a delta for a call that is not open (already closed, or never started) is dropped
      case 'tool_call_end':
        if (open?.kind === 'tool' && open.hubIndex === e.index) closeOpen()
        return
    }
  }

  /** Replays waiting events, in order, as far as the open block allows. */
  const drain = () => {
    for (let progressed = true; progressed; ) {
      progressed = false
      for (let i = 0; i < deferred.length; i++) {
        const e = deferred[i]!
        if (isBlocked(e)) continue
        deferred.splice(i, 1)
        apply(e, true)
        progressed = true
        break
      }
    }
  }

  const onContent = (e: ContentEvent) => {
    if (isBlocked(e)) {
      deferred.push(e)
      return
    }
    apply(e, false)
    if (deferred.length) drain()
  }

  /** Closes tool calls that never ended, replaying whatever waited behind them, then the last block. */
  const closeAll = () => {
    while (open?.kind === 'tool' || deferred.length) {
      closeOpen()
      drain()
    }
    closeOpen()
  }

  return {
    transform(ev, sink) {
      if (done) return
      controller = sink
      switch (ev.type) {
        case 'start':
          if (started) return
          messageId = ev.id || undefined
          model = ev.model
          startUsage = ev.usage
          ensureStarted()
          return
        case 'usage':
          lastUsage = ev.usage
          return
        case 'text_delta':
        case 'thinking_delta':
        case 'redacted_thinking':
        case 'tool_call_start':
        case 'tool_call_delta':
        case 'tool_call_end':
          onContent(ev)
          return
        case 'finish': {
          ensureStarted()
          closeAll()
          send('message_delta', {
            delta: {
              stop_reason: finishReasonToAnthropic(ev.reason, ev.stopSequence),
              stop_sequence: ev.stopSequence ?? null,
            },
            usage: usageToAnthropic(ev.usage ?? lastUsage ?? startUsage),
          })
          send('message_stop', {})
          done = true
          return
        }
        case 'error':
          controller.enqueue(sseJson(errorBody(ev.error), 'error'))
          done = true
          return
      }
    },
    flush(controller) {
      if (done) return
      const err = new GatewayError('api_error', 'The response stream ended unexpectedly.')
      controller.enqueue(sseJson(errorBody(err), 'error'))
    },
  }
}

/** The same as a TransformStream. */
export function encodeStream(req: HubRequest): TransformStream<HubStreamEvent, Uint8Array> {
  return toTransformStream(chain(streamEncoder(req), UTF8))
}
