import type { HubStreamEvent } from '../hub/stream'
import type { SseEvent } from '../sse/parse'
import { chain, type Emit, type Stage } from '../streams/stage'
import type { Redactor, TextRedactStream } from './redactor'

/**
 * Upstream SSE events with secrets removed from their data, before a decoder
 * reads it: a message the decoder cuts short or masks by shape cannot keep half
 * a key. Events are whole here (the framer joined the chunks), so nothing is held.
 */
export function redactEvents(redactor: Redactor): Stage<SseEvent, SseEvent> {
  return {
    transform(event, out) {
      event.data = redactor.text(event.data)
      out.enqueue(event)
    },
  }
}

/**
 * Hub events with secrets removed from streamed text: a secret split across two
 * text, thinking or tool-argument deltas (which the client's protocol would send
 * as two events, never one string) is caught by holding back the tail of a delta
 * that may start one until the next delta of the same run, or the run's end.
 */
export function redactDeltas(redactor: Redactor): Stage<HubStreamEvent, HubStreamEvent> {
  const text = redactor.textStream()
  const thinking = redactor.textStream()
  let thinkingOf: Extract<HubStreamEvent, { type: 'thinking_delta' }> | undefined
  const tools = new Map<number, TextRedactStream>()

  const endText = (out: Emit<HubStreamEvent>) => {
    const rest = text.end()
    if (rest) out.enqueue({ type: 'text_delta', text: rest })
  }
  const endThinking = (out: Emit<HubStreamEvent>) => {
    const rest = thinking.end()
    if (rest && thinkingOf) out.enqueue({ type: 'thinking_delta', text: rest, ...(thinkingOf.id ? { id: thinkingOf.id } : {}) })
    thinkingOf = undefined
  }
  const endTool = (index: number, out: Emit<HubStreamEvent>) => {
    const rest = tools.get(index)?.end()
    tools.delete(index)
    if (rest) out.enqueue({ type: 'tool_call_delta', index, argumentsDelta: rest })
  }

  return {
    transform(e, out) {
      switch (e.type) {
        case 'text_delta': {
          endThinking(out)
          if (e.text === '') return out.enqueue(e)
          const t = text.push(e.text)
          if (t === e.text) out.enqueue(e)
          else if (t) out.enqueue({ type: 'text_delta', text: t })
          return
        }
        case 'thinking_delta': {
          endText(out)
          if (thinkingOf && thinkingOf.id !== e.id) endThinking(out)
          thinkingOf = e
          // A signature closes the thinking block: nothing may be held past it.
          const t = e.signature ? thinking.push(e.text) + thinking.end() : thinking.push(e.text)
          if (t === e.text) out.enqueue(e)
          else if (t || e.signature) out.enqueue({ ...e, text: t })
          return
        }
        case 'tool_call_delta': {
          let scrub = tools.get(e.index)
          if (!scrub) tools.set(e.index, (scrub = redactor.textStream()))
          const t = scrub.push(e.argumentsDelta)
          if (t === e.argumentsDelta) out.enqueue(e)
          else if (t) out.enqueue({ type: 'tool_call_delta', index: e.index, argumentsDelta: t })
          return
        }
        case 'tool_call_end':
          endText(out)
          endThinking(out)
          endTool(e.index, out)
          return out.enqueue(e)
        case 'usage':
          return out.enqueue(e)
        case 'finish':
        case 'error':
          endText(out)
          endThinking(out)
          for (const index of [...tools.keys()]) endTool(index, out)
          return out.enqueue(e)
        default:
          endText(out)
          endThinking(out)
          return out.enqueue(e)
      }
    },
    flush(out) {
      endText(out)
      endThinking(out)
      for (const index of [...tools.keys()]) endTool(index, out)
    },
  }
}

/**
 * A translating decoder (upstream bytes → SSE events → hub events) with secrets
 * removed on both sides of the protocol decoder: from each event's data before
 * (so a message it truncates cannot keep half a key) and from the streamed
 * deltas after. Without secrets, just the framer and the decoder.
 */
export function redactedDecoder(
  redactor: Redactor,
  framer: Stage<Uint8Array, SseEvent>,
  decode: Stage<SseEvent, HubStreamEvent>,
): Stage<Uint8Array, HubStreamEvent> {
  if (!redactor.active) return chain(framer, decode)
  return chain(chain(chain(framer, redactEvents(redactor)), decode), redactDeltas(redactor))
}
