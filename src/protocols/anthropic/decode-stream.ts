import { GatewayError } from '../../hub/errors'
import { newId } from '../../hub/ids'
import type { HubStreamEvent } from '../../hub/stream'
import type { SseEvent } from '../../sse/parse'
import { kindForAnthropicType } from './errors'
import { finishReasonFromAnthropic } from './map-stop-reason'
import { mergeAnthropicUsage, usageFromAnthropic, type AnthropicUsage } from './usage'
import { toTransformStream, type Emit, type Stage } from '../../streams/stage'

export const STREAM_ENDED_EARLY = 'The upstream stream ended before the response was complete.'

interface OpenBlock {
  kind: 'text' | 'thinking' | 'tool' | 'other'
  /** Hub index of a tool_use block: its ordinal among the response's tool_use blocks. */
  toolIndex?: number
  /** A tool_use block that arrived with its input already filled (no input_json_delta follows). */
  initialInput?: string
  sawDelta?: boolean
}

type Payload = Record<string, any>

/**
 * Anthropic SSE events → hub stream events, as they arrive.
 *
 * - message_start → start (a repeated message_start for the same message is
 *   ignored; one for a different message while the first is open means an
 *   intermediary spliced a retried generation in: that is an error, not a merge).
 *   Blocks already filled in message_start.content are emitted at once.
 * - text / thinking / signature deltas → text_delta / thinking_delta.
 * - tool_use blocks → tool_call_start / _delta / _end, numbered 0, 1, 2 … among
 *   tool_use blocks. Server-side blocks (server_tool_use, mcp_tool_use, *_tool_result,
 *   compaction …) and their deltas are skipped.
 * - message_delta → usage (cumulative) and the stop reason; message_stop → finish.
 * - error → error. Input that ends without message_stop → a bad_gateway error.
 */
export function streamDecoder(): Stage<SseEvent, HubStreamEvent> {
  let phase: 'idle' | 'open' | 'done' = 'idle'
  let messageId: string | undefined
  let usage: AnthropicUsage = {}
  let stopReason: string | null | undefined
  let stopSequence: string | null | undefined
  const blocks = new Map<number, OpenBlock>()
  let toolCount = 0

  return {
    transform(event, controller) {
      if (phase === 'done') return
      const emit = (e: HubStreamEvent) => controller.enqueue(e)
      const fail = (message: string) => {
        emit({ type: 'error', error: new GatewayError('bad_gateway', message, { upstream: true }) })
        phase = 'done'
      }

      let payload: Payload
      try {
        payload = JSON.parse(event.data) as Payload
      } catch {
        return fail('The upstream sent a stream event that is not valid JSON.')
      }
      if (!payload || typeof payload !== 'object') return fail('The upstream sent a stream event that is not an object.')
      const type: unknown = payload.type ?? event.event

      const start = (message: Payload | undefined) => {
        phase = 'open'
        messageId = typeof message?.id === 'string' ? message.id : newId('msg_')
        usage = mergeAnthropicUsage({}, message?.usage)
        stopReason = message?.stop_reason
        stopSequence = message?.stop_sequence
        emit({
          type: 'start',
          id: messageId,
          model: typeof message?.model === 'string' ? message.model : '',
          usage: usageFromAnthropic(usage),
        })
      }
      const ensureOpen = () => {
        if (phase === 'idle') start(undefined)
      }
      const startTool = (id: string, name: string): number => {
        const index = toolCount++
        emit({ type: 'tool_call_start', index, id, name })
        return index
      }
      const endTool = (block: OpenBlock) => {
        if (block.kind !== 'tool' || block.toolIndex === undefined) return
        if (!block.sawDelta && block.initialInput)
          emit({ type: 'tool_call_delta', index: block.toolIndex, argumentsDelta: block.initialInput })
        emit({ type: 'tool_call_end', index: block.toolIndex })
      }
      /** Opens a block; returns its state. Complete blocks (from message_start) are closed by the caller. */
      const openBlock = (b: Payload): OpenBlock => {
        switch (b?.type) {
          case 'text':
            if (typeof b.text === 'string' && b.text !== '') emit({ type: 'text_delta', text: b.text })
            return { kind: 'text' }
          case 'thinking':
            if (typeof b.thinking === 'string' && b.thinking !== '') emit({ type: 'thinking_delta', text: b.thinking })
            if (typeof b.signature === 'string' && b.signature !== '')
              emit({ type: 'thinking_delta', text: '', signature: b.signature, format: 'anthropic-claude-v1' })
            return { kind: 'thinking' }
          case 'redacted_thinking':
            if (typeof b.data === 'string') emit({ type: 'redacted_thinking', data: b.data, format: 'anthropic-claude-v1' })
            return { kind: 'other' }
          case 'tool_use': {
            const toolIndex = startTool(String(b.id ?? newId('toolu_')), String(b.name ?? ''))
            const input = b.input
            const initialInput =
              input && typeof input === 'object' && Object.keys(input).length ? JSON.stringify(input) : undefined
            return { kind: 'tool', toolIndex, initialInput }
          }
          default:
            return { kind: 'other' }
        }
      }
      const closeOpenTools = () => {
        for (const index of [...blocks.keys()].sort((a, b) => a - b)) endTool(blocks.get(index)!)
        blocks.clear()
      }

      switch (type) {
        case 'ping':
          return
        case 'message_start': {
          const message = payload.message as Payload | undefined
          if (phase === 'open') {
            if (message?.id === undefined || message.id === messageId) return // duplicated frame
            return fail(
              `The upstream stream restarted mid-response: message ${String(message.id)} began while ${messageId} was still open.`,
            )
          }
          start(message)
          if (Array.isArray(message?.content)) for (const b of message.content) endTool(openBlock(b))
          return
        }
        case 'content_block_start': {
          ensureOpen()
          const index = Number(payload.index)
          const previous = blocks.get(index)
          if (previous) endTool(previous)
          blocks.set(index, openBlock(payload.content_block))
          return
        }
        case 'content_block_delta': {
          ensureOpen()
          const delta = (payload.delta ?? {}) as Payload
          switch (delta.type) {
            case 'text_delta':
              if (typeof delta.text === 'string' && delta.text !== '') emit({ type: 'text_delta', text: delta.text })
              return
            case 'thinking_delta':
              if (typeof delta.thinking === 'string' && delta.thinking !== '')
                emit({ type: 'thinking_delta', text: delta.thinking })
              return
            case 'signature_delta':
              if (typeof delta.signature === 'string' && delta.signature !== '')
                emit({ type: 'thinking_delta', text: '', signature: delta.signature, format: 'anthropic-claude-v1' })
              return
            case 'input_json_delta': {
              const block = blocks.get(Number(payload.index))
              if (block?.kind !== 'tool' || block.toolIndex === undefined) return // a server tool's input
              if (typeof delta.partial_json === 'string' && delta.partial_json !== '') {
                block.sawDelta = true
                emit({ type: 'tool_call_delta', index: block.toolIndex, argumentsDelta: delta.partial_json })
              }
              return
            }
            default:
              return // citations_delta, compaction_delta …
          }
        }
        case 'content_block_stop': {
          const index = Number(payload.index)
          const block = blocks.get(index)
          if (block) {
            endTool(block)
            blocks.delete(index)
          }
          return
        }
        case 'message_delta': {
          ensureOpen()
          const delta = (payload.delta ?? {}) as Payload
          if ('stop_reason' in delta) stopReason = delta.stop_reason
          if ('stop_sequence' in delta) stopSequence = delta.stop_sequence
          if (payload.usage) {
            usage = mergeAnthropicUsage(usage, payload.usage)
            emit({ type: 'usage', usage: usageFromAnthropic(usage) })
          }
          return
        }
        case 'message_stop': {
          ensureOpen()
          closeOpenTools()
          const finish: HubStreamEvent = {
            type: 'finish',
            reason: finishReasonFromAnthropic(stopReason),
            usage: usageFromAnthropic(usage),
          }
          if (stopReason === 'stop_sequence' && typeof stopSequence === 'string') finish.stopSequence = stopSequence
          emit(finish)
          phase = 'done'
          return
        }
        case 'error': {
          const err = (payload.error ?? {}) as Payload
          const message = typeof err.message === 'string' ? err.message : 'The upstream reported an error.'
          emit({
            type: 'error',
            error: new GatewayError(kindForAnthropicType(err.type), message, { upstream: true }),
          })
          phase = 'done'
          return
        }
        default:
          return // unknown event types are skipped
      }
    },
    flush(controller) {
      if (phase !== 'done')
        controller.enqueue({
          type: 'error',
          error: new GatewayError('bad_gateway', STREAM_ENDED_EARLY, { upstream: true }),
        })
    },
  }
}

/** The same as a TransformStream. */
export function decodeStream(): TransformStream<SseEvent, HubStreamEvent> {
  return toTransformStream(streamDecoder())
}
