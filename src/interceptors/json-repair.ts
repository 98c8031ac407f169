import { jsonrepair } from 'jsonrepair'
import type { HubStreamEvent } from '../hub/stream'
import type { Emit } from '../streams/stage'
import type { AnswerTurn, AnswerWatch, Interceptor } from './types'

/**
 * JSON repair (on by default, JSON_REPAIR / `!/set(json-repair=false)`): when
 * the client asked for a JSON answer (OpenAI `response_format`, Responses
 * `text.format`, Gemini `responseMimeType`/`responseSchema`, Anthropic
 * `output_format` / `output_config.format`), the answer text it gets parses.
 * Text that does not is mended: a Markdown code fence and prose around the
 * JSON are cut, and jsonrepair fixes the rest (trailing commas, single quotes,
 * a truncated end).
 *
 * A streamed prefix cannot be taken back, so a stream's text is held until the
 * answer ends: text that parses then goes on as the same events it came in;
 * text that does not goes as one repaired text_delta just before `finish`.
 */
export const jsonRepair: Interceptor = {
  name: 'json-repair',
  does: 'makes the answer text parse as JSON when the client asked for JSON (holds a stream’s text until the end)',
  answer(turn) {
    return turn.wantsJson && turn.on('json-repair') ? new JsonRepairWatch(turn) : undefined
  },
}

export type JsonVerdict = { ok: true } | { fixed: string } | { failed: true }

const parses = (t: string) => {
  try {
    JSON.parse(t)
    return true
  } catch {
    return false
  }
}

/** jsonrepair's mend of a candidate, if it is an object or array of the kind the candidate opens (not prose made into an array). */
function repairTo(c: string): string | undefined {
  try {
    const fixed = jsonrepair(c)
    const v = JSON.parse(fixed)
    return typeof v === 'object' && v !== null && Array.isArray(v) === (c[0] === '[') ? fixed : undefined
  } catch {
    return undefined
  }
}

/** The JSON value that starts at `from` (a bracket): up to its matching bracket, or to the end when it never closes. */
function valueFrom(t: string, from: number): string {
  let depth = 0
  let quote = ''
  for (let i = from; i < t.length; i++) {
    const c = t[i]
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = ''
    } else if (c === '"' || c === "'") quote = c
    else if (c === '{' || c === '[') depth++
    else if ((c === '}' || c === ']') && --depth === 0) return t.slice(from, i + 1)
  }
  return t.slice(from)
}

/** Up to 8 values that start at a bracket in the text, one after the other (a fence's body first). */
function candidates(t: string): string[] {
  const out: string[] = []
  const fence = /```[\w-]*[^\S\n]*\n?([\s\S]*?)(?:```|$)/.exec(t)
  for (const src of fence ? [fence[1]!, t] : [t]) {
    for (let i = src.search(/[{[]/), n = 0; i >= 0 && n < 8; n++) {
      const v = valueFrom(src, i)
      if (!out.includes(v)) out.push(v)
      const next = src.slice(i + v.length).search(/[{[]/)
      i = next < 0 ? -1 : i + v.length + next
    }
  }
  return out
}

/**
 * Whether an answer text parses as JSON, else its repair (or that there is
 * none): the first value in it that parses as it is (a fenced one first), else
 * the first that jsonrepair can mend. Prose around it is cut; a text with no
 * bracket in it has no repair (it is never turned into a JSON string).
 */
export function repairJsonText(text: string): JsonVerdict {
  if (parses(text)) return { ok: true }
  const tries = candidates(text.trim())
  for (const c of tries) if (parses(c)) return { fixed: c }
  for (const c of tries) {
    const fixed = repairTo(c)
    if (fixed) return { fixed }
  }
  return { failed: true }
}

/**
 * Holds the answer from its first text on (thinking and tool calls after it
 * keep their place), and at `finish` lets the same events go when the text
 * parses, or puts the repaired text where the first text was.
 */
export class JsonRepairWatch implements AnswerWatch {
  private held: HubStreamEvent[] = []
  private text = ''

  constructor(private readonly turn: Pick<AnswerTurn, 'warn'>) {}

  event(e: HubStreamEvent, out: Emit<HubStreamEvent>): void {
    if (e.type === 'finish') {
      this.settle(out)
      return out.enqueue(e)
    }
    if (e.type === 'error') {
      this.release(out)
      return out.enqueue(e)
    }
    if (e.type === 'text_delta') {
      this.held.push(e)
      this.text += e.text
      return
    }
    if (this.held.length && e.type !== 'usage') this.held.push(e)
    else out.enqueue(e)
  }

  end(out: Emit<HubStreamEvent>): void {
    this.release(out)
  }

  private release(out: Emit<HubStreamEvent>): void {
    for (const e of this.held) out.enqueue(e)
    this.held = []
  }

  private settle(out: Emit<HubStreamEvent>): void {
    if (!this.held.length) return
    const verdict = repairJsonText(this.text)
    if (!('fixed' in verdict)) {
      if ('failed' in verdict) this.turn.warn('json-repair: the answer is not JSON and could not be repaired; it is passed on as it came')
      return this.release(out)
    }
    let placed = false
    for (const e of this.held) {
      if (e.type !== 'text_delta') out.enqueue(e)
      else if (!placed) {
        placed = true
        out.enqueue({ type: 'text_delta', text: verdict.fixed })
      }
    }
    this.held = []
  }
}
