import type { CompiledRule } from './rules'

/**
 * One `reply` rule over the answer's text as it streams. A text run (the text
 * between a start and a tool call, thinking, or the finish) goes through
 * `push` piece by piece; `endRun` releases whatever the stage still holds at
 * the end of the run; `endAnswer` is what it adds at the very end.
 */
export interface TextStage {
  push(s: string): string
  endRun(): string
  endAnswer(): string
}

/** The reply rules in config order: each stage's output is the next one's input. */
export class TextPipeline {
  constructor(private readonly stages: TextStage[]) {}

  push(s: string): string {
    for (const st of this.stages) s = st.push(s)
    return s
  }

  endRun(): string {
    let s = ''
    for (const st of this.stages) s = st.push(s) + st.endRun()
    return s
  }

  endAnswer(): string {
    let s = ''
    for (const st of this.stages) s = st.push(s) + st.endRun() + st.endAnswer()
    return s
  }
}

export function replyStage(rule: CompiledRule): TextStage {
  if (rule.action === 'replace') return rule.literal !== undefined ? new LiteralReplace(rule.literal, rule.text) : new HeldReplace(rule)
  if (rule.action === 'prepend') return new Prepend(rule)
  return new Append(rule)
}

/**
 * A literal replaced as the text streams: only a tail that may start the match
 * (at most its length minus one characters) is held for the next piece.
 */
class LiteralReplace implements TextStage {
  private held = ''
  constructor(
    private readonly match: string,
    private readonly text: string,
  ) {}

  push(piece: string): string {
    const s = this.held === '' ? piece : this.held + piece
    this.held = ''
    if (s === '') return s
    let out = ''
    let from = 0
    for (let at = s.indexOf(this.match); at !== -1; at = s.indexOf(this.match, from)) {
      out += s.slice(from, at) + this.text
      from = at + this.match.length
    }
    const keep = startOfMatchAtEnd(s, from, this.match)
    this.held = keep === 0 ? '' : s.slice(s.length - keep)
    return from === 0 && keep === 0 ? s : out + s.slice(from, s.length - keep)
  }

  endRun(): string {
    const s = this.held
    this.held = ''
    return s
  }

  endAnswer(): string {
    return ''
  }
}

/** How many characters at the end of `s` (not before `from`) are a proper start of `match`. */
function startOfMatchAtEnd(s: string, from: number, match: string): number {
  const first = match.charCodeAt(0)
  for (let k = Math.min(match.length - 1, s.length - from); k > 0; k--) {
    const at = s.length - k
    if (s.charCodeAt(at) === first && s.startsWith(match.slice(0, k), at)) return k
  }
  return 0
}

/** A regular expression may match text of any length: the run is held until it ends, then replaced whole. */
class HeldReplace implements TextStage {
  private held = ''
  constructor(private readonly rule: CompiledRule) {}

  push(s: string): string {
    this.held += s
    return ''
  }

  endRun(): string {
    const s = this.held
    this.held = ''
    return s === '' ? s : this.rule.replace(s)
  }

  endAnswer(): string {
    return ''
  }
}

/**
 * `text` before the answer's first text, once the match has appeared in it: the
 * first text run is held only until then (`/^/` matches at once). A first run
 * that ends without the match is released without the prefix.
 */
class Prepend implements TextStage {
  private held = ''
  private decided = false
  constructor(private readonly rule: CompiledRule) {}

  push(s: string): string {
    if (this.decided || s === '') return s
    this.held += s
    if (!this.rule.test(this.held)) return ''
    this.decided = true
    const out = this.rule.text + this.held
    this.held = ''
    return out
  }

  endRun(): string {
    if (this.decided || this.held === '') return ''
    this.decided = true
    const s = this.held
    this.held = ''
    return s
  }

  endAnswer(): string {
    return ''
  }
}

/** `text` at the end of the answer when the match appeared in its text; nothing is held. */
class Append implements TextStage {
  private found = false
  /** Literal: the last characters seen (a match may straddle pieces). Regex: all of the text. */
  private seen = ''
  constructor(private readonly rule: CompiledRule) {}

  push(s: string): string {
    if (this.found || s === '') return s
    const lit = this.rule.literal
    if (lit !== undefined) {
      const window = this.seen + s
      if (window.includes(lit)) this.found = true
      else this.seen = lit.length > 1 ? window.slice(-(lit.length - 1)) : ''
    } else this.seen += s
    return s
  }

  endRun(): string {
    return ''
  }

  endAnswer(): string {
    const hit = this.found || (this.rule.regex !== undefined && this.rule.test(this.seen))
    this.found = false
    this.seen = ''
    return hit ? this.rule.text : ''
  }
}
