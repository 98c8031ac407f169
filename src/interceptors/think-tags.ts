import type { HubStreamEvent } from '../hub/stream'
import type { Emit } from '../streams/stage'
import type { AnswerWatch, Interceptor } from './types'

const OPEN = '<think>'
const CLOSE = '</think>'

type TextDelta = Extract<HubStreamEvent, { type: 'text_delta' }>

/**
 * Think tags (off by default, FIX_THINK_TAGS / `!/set(fix-think-tags=true)`):
 * models served without a reasoning parser (DeepSeek R1, Qwen3, QwQ on plain
 * servers) write their reasoning into the answer text between `<think>` and
 * `</think>`. This moves it into thinking, also when a tag is split across
 * chunks.
 */
export const thinkTags: Interceptor = {
  name: 'think-tags',
  does: 'moves <think>…</think> in the answer text into thinking (off by default)',
  answer(turn) {
    return turn.on('fix-think-tags') ? new ThinkTagsWatch() : undefined
  },
}

/**
 * The index where a suffix of `text` (from `from` on) could still begin `tag`,
 * or -1: only that suffix is held back (the idea of the AI SDK's
 * getPotentialStartIndex), so a split `<thi` never leaks as text.
 */
export function partialTagStart(text: string, tag: string, from: number): number {
  for (let i = Math.max(from, text.length - tag.length + 1); i < text.length; i++) {
    if (text.charCodeAt(i) === 60 /* < */ && tag.startsWith(text.slice(i))) return i
  }
  return -1
}

/**
 * Text outside the tags passes as it came (the same event when it holds no `<`
 * and no tag is open); text inside becomes thinking_delta. The line breaks
 * right after a tag are dropped (they only separate the reasoning from the
 * answer). Held: only the end of a chunk that could start the next tag.
 */
export class ThinkTagsWatch implements AnswerWatch {
  private inside = false
  private pending = ''
  private trimLead = false

  event(e: HubStreamEvent, out: Emit<HubStreamEvent>): void {
    if (e.type !== 'text_delta') {
      if (e.type !== 'start' && e.type !== 'usage') this.flush(out)
      return out.enqueue(e)
    }
    if (!this.pending && !this.inside && !this.trimLead && e.text.indexOf('<') < 0) return out.enqueue(e)
    this.split(e, out)
  }

  end(out: Emit<HubStreamEvent>): void {
    this.flush(out)
  }

  private split(e: TextDelta, out: Emit<HubStreamEvent>): void {
    const text = this.pending + e.text
    this.pending = ''
    let i = 0
    while (i < text.length) {
      const tag = this.inside ? CLOSE : OPEN
      const j = text.indexOf(tag, i)
      if (j >= 0) {
        this.piece(text.slice(i, j), out)
        this.inside = !this.inside
        this.trimLead = true
        i = j + tag.length
        continue
      }
      const k = partialTagStart(text, tag, i)
      const stop = k < 0 ? text.length : k
      if (i === 0 && stop === text.length && text === e.text && !this.inside && !this.trimLead) out.enqueue(e)
      else this.piece(text.slice(i, stop), out)
      this.pending = text.slice(stop)
      return
    }
  }

  private piece(text: string, out: Emit<HubStreamEvent>): void {
    if (this.trimLead) {
      text = text.replace(/^[\r\n]+/, '')
      if (text) this.trimLead = false
    }
    if (!text) return
    out.enqueue(this.inside ? { type: 'thinking_delta', text } : { type: 'text_delta', text })
  }

  private flush(out: Emit<HubStreamEvent>): void {
    if (!this.pending) return
    const text = this.pending
    this.pending = ''
    this.piece(text, out)
  }
}
