import type { Usage } from '../hub/response'
import type { HubStreamEvent } from '../hub/stream'
import type { Emit } from '../streams/stage'
import { CHUNK, LoopDetector, REPEATS } from './content-loop/loop-detector'
import type { AnswerTurn, AnswerWatch, Interceptor } from './types'

/** What the client reads where the answer was cut. */
export const LOOP_NOTE = '\n\n[gateway: the answer was cut because it repeated itself]'

/**
 * Cuts an answer that repeats itself: the same chunk of 80 characters seen 6
 * times close together (see content-loop/loop-detector.ts for the rule and
 * what Markdown resets it). The client gets the text up to the end of the 6th
 * occurrence, a short note, and a normal finish (`stop`, with the usage known
 * so far); emitting the finish lets the upstream go.
 *
 * Text and thinking are both watched, each run on its own (a change of kind or
 * a tool call starts afresh): reasoning models loop in their thinking at least
 * as often as in their answer, and a loop there costs as much. A thinking run
 * cut short has no signature; Anthropic's translation drops unsigned thinking
 * from a later request's history.
 *
 * Events pass at once, as the same objects: nothing is held. A finished
 * (non-streaming) answer is cut the same way; its finish (and so its usage) is
 * still read before the cut answer's finish is emitted.
 *
 * Off by default: LOOP_DETECTION=on, or `!/set(loop-detection=true)` /
 * `!/loop-detection(true)` for a session. The number of cuts is kept in the
 * session under `content-loop`.
 */
export const contentLoop: Interceptor = {
  name: 'content-loop',
  does: `cuts an answer that repeats itself (the same ${CHUNK} characters ${REPEATS} times close together) with a note and a normal finish`,
  answer(turn: AnswerTurn): AnswerWatch | undefined {
    return turn.on('loop-detection') ? new ContentLoopWatch(turn) : undefined
  },
}

class ContentLoopWatch implements AnswerWatch {
  private readonly detector = new LoopDetector()
  private kind: 'text_delta' | 'thinking_delta' | undefined
  private usage: Usage | undefined
  /** A loop was found; a finished answer still waits for its own finish (for the usage). */
  private cut = false
  private done = false

  constructor(private readonly turn: AnswerTurn) {}

  event(e: HubStreamEvent, out: Emit<HubStreamEvent>): void {
    if (this.done) return
    if (this.cut) {
      if (e.type === 'usage') this.usage = e.usage
      else if (e.type === 'finish') this.finish(out, e.usage ?? this.usage)
      else if (e.type === 'error') this.finish(out, this.usage)
      return
    }
    switch (e.type) {
      case 'text_delta':
      case 'thinking_delta': {
        if (e.text === '') break
        if (e.type !== this.kind) {
          if (this.kind !== undefined) this.detector.reset()
          this.kind = e.type
        }
        const at = this.detector.push(e.text)
        if (at === -1) break
        out.enqueue(at === e.text.length ? e : shortened(e, at))
        this.loopFound(out)
        return
      }
      case 'tool_call_start':
        this.detector.reset()
        this.kind = undefined
        break
      case 'usage':
        this.usage = e.usage
        break
      case 'start':
        if (e.usage) this.usage = e.usage
        break
    }
    out.enqueue(e)
  }

  end(out: Emit<HubStreamEvent>): void {
    if (this.cut && !this.done) this.finish(out, this.usage)
  }

  private loopFound(out: Emit<HubStreamEvent>): void {
    out.enqueue({ type: 'text_delta', text: LOOP_NOTE })
    const session = this.turn.session
    const mine = session.data['content-loop'] as { cuts?: number } | undefined
    session.data['content-loop'] = { cuts: (mine?.cuts ?? 0) + 1 }
    session.touch()
    this.turn.warn(`content-loop: the answer from ${this.turn.route} repeated itself and was cut`)
    this.cut = true
    if (this.turn.stream) this.finish(out, this.usage)
  }

  private finish(out: Emit<HubStreamEvent>, usage: Usage | undefined): void {
    this.done = true
    out.enqueue(usage ? { type: 'finish', reason: 'stop', usage } : { type: 'finish', reason: 'stop' })
  }
}

/** The event's text up to `at` (a thinking delta loses its signature: it no longer covers the text). */
function shortened(e: Extract<HubStreamEvent, { type: 'text_delta' | 'thinking_delta' }>, at: number): HubStreamEvent {
  if (e.type === 'text_delta') return { type: 'text_delta', text: e.text.slice(0, at) }
  return { type: 'thinking_delta', text: e.text.slice(0, at), ...(e.format ? { format: e.format } : {}), ...(e.id ? { id: e.id } : {}) }
}
