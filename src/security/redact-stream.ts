import type { HubStreamEvent } from '../hub/stream'
import { chain, type Emit, type Stage } from '../streams/stage'
import type { Redactor, TextRedactStream } from './redactor'

/** Upstream bytes with secrets removed, a secret split across chunks included (the tail that may start one is held). */
export function redactBytes(redactor: Redactor): Stage<Uint8Array, Uint8Array> {
  const scrub = redactor.byteStream()
  return {
    transform(chunk, out) {
      const b = scrub.push(chunk)
      if (b.length) out.enqueue(b)
    },
    flush(out) {
      const b = scrub.end()
      if (b?.length) out.enqueue(b)
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
 * A translating decoder (upstream bytes → hub events) with secrets removed on
 * both sides: from the bytes before decoding (so a message the decoder truncates
 * cannot keep half a key) and from the streamed deltas after. The same decoder
 * when there is nothing to redact.
 */
export function redactedDecoder(redactor: Redactor, decode: Stage<Uint8Array, HubStreamEvent>): Stage<Uint8Array, HubStreamEvent> {
  if (!redactor.active) return decode
  return chain(chain(redactBytes(redactor), decode), redactDeltas(redactor))
}
