import { newId } from '../hub/ids'
import type { FinishReason } from '../hub/response'
import type { HubStreamEvent } from '../hub/stream'
import type { Emit } from '../streams/stage'
import { DeclaredTools } from './tool-repair/declared-tools'
import { examine, nextTrigger, Pending } from './tool-repair/openings'
import { parseCandidate, type TextCall } from './tool-repair/parse-calls'
import type { AnswerTurn, AnswerWatch, Interceptor } from './types'

/** Text held while it may still be a call; past this it goes on as text. */
export const HOLD_LIMIT = 64 * 1024

type TextDelta = Extract<HubStreamEvent, { type: 'text_delta' }>
type Finish = Extract<HubStreamEvent, { type: 'finish' }>

/**
 * Tool-call repair: when a request declared tools and the model writes a call
 * as text instead of making one (a JSON object, bare or in a code fence;
 * Hermes/Qwen `<tool_call>`; Qwen3-Coder `<function=…>`; DeepSeek's tool tokens
 * and V3.2 DSML; `<function_calls><invoke …>`; Cline-style `<read_file>…`) naming
 * a declared tool, the client gets a structured call instead of that text.
 */
export const toolRepair: Interceptor = {
  name: 'tool-repair',
  does: 'turns a tool call the model wrote as text into a structured tool call (only when the request declared tools)',
  answer(turn) {
    if (!turn.declaresTools || !turn.on('tool-repair')) return undefined
    const req = turn.request
    if (!req.tools?.length || req.toolChoice?.type === 'none') return undefined
    const tools = new DeclaredTools(req.tools)
    return tools.size ? new ToolRepairWatch(tools, turn) : undefined
  },
}

/**
 * Text with no `{`, `[`, `<` or backtick goes on at once, as the same event.
 * Text from such a character on is held while it may still be a call (see
 * tool-repair/openings.ts), never more than HOLD_LIMIT characters of one
 * candidate; held events that turn out to be prose go on unchanged. A call
 * replaces its text: what came before it goes first (the same events where they
 * end before it), white space right after it is dropped, and the finish reason
 * becomes `tool_calls`. Real tool calls keep their order; their indexes move up
 * past repaired ones.
 */
export class ToolRepairWatch implements AnswerWatch {
  /** Held text events; `end`: where each ends in `buf`. */
  private held: { e: TextDelta; end: number }[] = []
  private buf = ''
  /** Where in `buf` to look for the next trigger. */
  private scanFrom = 0
  private pending: Pending | undefined
  private repaired = 0
  private nextIndex = 0
  /** Upstream tool-call index → the index the client sees. */
  private indexes: Map<number, number> | undefined
  /** Drop white space that follows a repaired call. */
  private trimLead = false

  constructor(
    private readonly tools: DeclaredTools,
    private readonly turn: Pick<AnswerTurn, 'rt'>,
  ) {}

  event(e: HubStreamEvent, out: Emit<HubStreamEvent>): void {
    switch (e.type) {
      case 'text_delta':
        if (!this.held.length) {
          if (nextTrigger(e.text, 0) < 0) return this.emitText(e, out)
          this.scanFrom = 0
        }
        this.held.push({ e, end: this.buf.length + e.text.length })
        this.buf += e.text
        return this.pump(out, false, false)
      case 'start':
      case 'usage':
        return out.enqueue(e)
      case 'finish': {
        this.pump(out, true, e.reason === 'stop' || e.reason === 'other' || e.reason === 'tool_calls')
        return out.enqueue(this.repaired && (e.reason === 'stop' || e.reason === 'other') ? asToolCalls(e) : e)
      }
      case 'tool_call_start': {
        this.pump(out, true, false)
        const index = this.nextIndex++
        ;(this.indexes ??= new Map()).set(e.index, index)
        return out.enqueue(index === e.index ? e : { ...e, index })
      }
      case 'tool_call_delta':
      case 'tool_call_end': {
        const index = this.indexes?.get(e.index) ?? e.index
        return out.enqueue(index === e.index ? e : { ...e, index })
      }
      default:
        // thinking, an error: the text run is over; what is held goes as it is.
        this.pump(out, true, false)
        return out.enqueue(e)
    }
  }

  end(out: Emit<HubStreamEvent>): void {
    this.pump(out, true, false)
  }

  /**
   * Looks for calls in the held text. `final`: no more text will come to this
   * run, so what is still undecided is released (or, `repairIncomplete`, a call
   * the answer ended inside of is read as far as it goes).
   */
  private pump(out: Emit<HubStreamEvent>, final: boolean, repairIncomplete: boolean): void {
    if (!this.held.length) return
    for (;;) {
      if (!this.pending) {
        const i = nextTrigger(this.buf, this.scanFrom)
        if (i < 0) return this.releaseAll(out)
        const opening = examine(this.buf, i, this.tools)
        if (opening.kind === 'no' || (opening.kind === 'maybe' && final)) {
          this.scanFrom = i + 1
          continue
        }
        if (opening.kind === 'maybe') {
          this.scanFrom = i
          return this.releaseBefore(i, out)
        }
        this.pending = new Pending(i, opening)
      }
      const p = this.pending
      const end = p.findEnd(this.buf)
      if (end) {
        this.pending = undefined
        const calls = parseCandidate(this.buf, p, end.bodyTo, this.tools)
        if (calls) this.replace(p.at, end.end, calls, out)
        else this.scanFrom = end.end
      } else if (final) {
        this.pending = undefined
        const calls = repairIncomplete ? parseCandidate(this.buf, p, undefined, this.tools) : undefined
        if (calls) this.replace(p.at, this.buf.length, calls, out)
        else this.scanFrom = this.buf.length
      } else if (this.buf.length - p.at > HOLD_LIMIT) {
        this.pending = undefined
        this.scanFrom = this.buf.length
      } else {
        return this.releaseBefore(p.at, out)
      }
    }
  }

  private emitText(e: TextDelta, out: Emit<HubStreamEvent>): void {
    if (!this.trimLead) return out.enqueue(e)
    const text = e.text.replace(/^\s+/, '')
    if (!text) return
    this.trimLead = false
    out.enqueue(text === e.text ? e : { type: 'text_delta', text })
  }

  private releaseAll(out: Emit<HubStreamEvent>): void {
    for (const h of this.held) this.emitText(h.e, out)
    this.held = []
    this.buf = ''
    this.scanFrom = 0
  }

  /** Releases the held events that end at or before `x` (unchanged). */
  private releaseBefore(x: number, out: Emit<HubStreamEvent>): void {
    let k = 0
    while (k < this.held.length && this.held[k]!.end <= x) this.emitText(this.held[k++]!.e, out)
    if (!k) return
    const n = this.held[k - 1]!.end
    this.held = this.held.slice(k)
    for (const h of this.held) h.end -= n
    this.buf = this.buf.slice(n)
    this.scanFrom = Math.max(0, this.scanFrom - n)
    this.pending?.shift(n)
  }

  /** The text from `at` to `end` is these calls: text before goes first, then the calls; the rest stays held. */
  private replace(at: number, end: number, calls: TextCall[], out: Emit<HubStreamEvent>): void {
    const held = this.held
    let k = 0
    while (k < held.length && held[k]!.end <= at) this.emitText(held[k++]!.e, out)
    const startK = k ? held[k - 1]!.end : 0
    if (startK < at) this.emitText({ type: 'text_delta', text: this.buf.slice(startK, at) }, out)
    for (const c of calls) this.emitCall(c, out)
    this.repaired += calls.length
    this.trimLead = true

    let j = k
    while (j < held.length && held[j]!.end <= end) j++
    const rest: { e: TextDelta; end: number }[] = []
    for (let m = j; m < held.length; m++) {
      const h = held[m]!
      const start = m ? held[m - 1]!.end : 0
      const e: TextDelta = start >= end ? h.e : { type: 'text_delta', text: this.buf.slice(end, h.end) }
      rest.push({ e, end: h.end - end })
    }
    this.held = rest
    this.buf = this.buf.slice(end)
    this.scanFrom = 0
  }

  private emitCall(c: TextCall, out: Emit<HubStreamEvent>): void {
    const index = this.nextIndex++
    const { name, kind, namespace } = c.tool
    out.enqueue({ type: 'tool_call_start', index, id: newId('call_'), name, ...(kind === 'custom' ? { kind } : {}), ...(namespace ? { namespace } : {}) })
    if (c.arguments) out.enqueue({ type: 'tool_call_delta', index, argumentsDelta: c.arguments })
    out.enqueue({ type: 'tool_call_end', index })
    const log = this.turn.rt.log
    if (log.debugging) log.debug(`tool-repair: a call to ${name} written as text became a tool call`)
  }
}

function asToolCalls(e: Finish): Finish {
  const { stopSequence: _, ...rest } = e
  return { ...rest, reason: 'tool_calls' satisfies FinishReason }
}
