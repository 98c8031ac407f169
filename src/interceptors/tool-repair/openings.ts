import type { DeclaredTools } from './declared-tools'

/**
 * Where a textual tool call may begin, and where it ends. `examine` looks at
 * the text from a trigger character (`{`, `[`, `<`, a backtick) and says at
 * once whether a call can start there (`found`), cannot (`no`: the text is
 * prose), or cannot tell yet because the text stops too soon (`maybe`). Each
 * check reads only a few characters, so prose with braces or angle brackets is
 * let go as soon as it is seen.
 */

export type Format =
  /** `{"name": …, "arguments": …}`, `{"function_call": …}`, `{"tool": …}`, an array of them. */
  | 'json'
  /** A Markdown code fence around any of these. */
  | 'fence'
  /** Hermes / Qwen `<tool_call>{…}</tool_call>` (or Qwen3-Coder's `<function=…>` inside). */
  | 'hermes'
  /** Qwen3-Coder `<function=name><parameter=x>…</parameter></function>`. */
  | 'qwen'
  /** `<function_calls><invoke name="…"><parameter name="…">…` (Claude's old text format). */
  | 'invoke'
  /** DeepSeek V3.2 DSML: the same shape with `｜DSML｜` in every tag. */
  | 'dsml'
  /** DeepSeek V3 / V3.1 `<｜tool▁calls▁begin｜>…<｜tool▁calls▁end｜>`. */
  | 'deepseek'
  /** One DeepSeek `<｜tool▁call▁begin｜>…<｜tool▁call▁end｜>` without the outer tokens. */
  | 'deepseek-one'
  /** Cline / Roo / Kilo: `<read_file><path>x</path></read_file>`, the tag a declared tool's name. */
  | 'xml'

export interface Found {
  kind: 'found'
  format: Format
  /** Where the body starts (after the opening marker; a JSON call's own start). */
  bodyFrom: number
  /** What ends it: a closing marker; '' for JSON (balanced brackets). */
  close: string
  /** The tool named by an `xml` opener. */
  name?: string
}

export type Opening = { kind: 'no' } | { kind: 'maybe' } | Found

const NO = { kind: 'no' } as const
const MAYBE = { kind: 'maybe' } as const

export const DSML = '｜DSML｜'
export const DS = {
  callsBegin: '<｜tool▁calls▁begin｜>',
  callsEnd: '<｜tool▁calls▁end｜>',
  callBegin: '<｜tool▁call▁begin｜>',
  callEnd: '<｜tool▁call▁end｜>',
  sep: '<｜tool▁sep｜>',
}

const MARKERS: readonly (readonly [open: string, format: Format, close: string])[] = [
  ['<tool_call>', 'hermes', '</tool_call>'],
  ['<function=', 'qwen', '</function>'],
  ['<function_calls>', 'invoke', '</function_calls>'],
  [`<${DSML}function_calls>`, 'dsml', `</${DSML}function_calls>`],
  [DS.callsBegin, 'deepseek', DS.callsEnd],
  [DS.callBegin, 'deepseek-one', DS.callEnd],
]

/** Keys a call object may start with. */
const CALL_KEYS = ['name', 'function_call', 'function', 'tool', 'tool_name', 'tool_calls', 'arguments', 'parameters', 'input', 'args', 'type', 'id']
/** Keys whose string value names the tool: a name no declared tool has ends the candidate early. */
const NAME_KEYS = new Set(['name', 'tool', 'tool_name'])

/** The first character at or after `from` where a call could begin, or -1. */
export function nextTrigger(s: string, from: number): number {
  TRIGGER.lastIndex = from
  const m = TRIGGER.exec(s)
  return m ? m.index : -1
}
const TRIGGER = /[{[<`]/g

const isWs = (c: string | undefined) => c === ' ' || c === '\n' || c === '\t' || c === '\r'
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s[i])) i++
  return i
}

export function examine(s: string, at: number, tools: DeclaredTools, nested = false): Opening {
  const c = s[at]
  if (c === '{' || c === '[') return examineJson(s, at, tools)
  if (c === '<') return examineTag(s, at, tools)
  if (c === '`' && !nested) return examineFence(s, at, tools)
  return NO
}

function examineTag(s: string, at: number, tools: DeclaredTools): Opening {
  const left = s.length - at
  let maybe = false
  for (const [open, format, close] of MARKERS) {
    if (s.startsWith(open, at)) return { kind: 'found', format, close, bodyFrom: at + open.length }
    if (left < open.length && open.startsWith(s.slice(at))) maybe = true
  }
  for (const open of tools.xmlOpeners) {
    if (s.startsWith(open, at)) {
      const name = open.slice(1, -1)
      return { kind: 'found', format: 'xml', name, close: `</${name}>`, bodyFrom: at + open.length }
    }
    if (left < open.length && open.startsWith(s.slice(at))) maybe = true
  }
  return maybe ? MAYBE : NO
}

/** A string (either quote) from `i`: its end index, or -1 when it does not end yet. */
function stringEnd(s: string, i: number): number {
  const q = s[i]!
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++
    else if (s[j] === q) return j
  }
  return -1
}

function examineJson(s: string, at: number, tools: DeclaredTools): Opening {
  let i = at
  if (s[i] === '[') {
    i = skipWs(s, i + 1)
    if (i >= s.length) return MAYBE
    if (s[i] !== '{') return NO
  }
  i = skipWs(s, i + 1)
  if (i >= s.length) return MAYBE
  if (s[i] !== '"' && s[i] !== "'") return NO
  const keyEnd = stringEnd(s, i)
  if (keyEnd < 0) {
    const partial = s.slice(i + 1)
    return partial.length <= 16 && CALL_KEYS.some((k) => k.startsWith(partial)) ? MAYBE : NO
  }
  const key = s.slice(i + 1, keyEnd)
  if (!CALL_KEYS.includes(key)) return NO
  if (NAME_KEYS.has(key)) {
    i = skipWs(s, keyEnd + 1)
    if (i >= s.length) return MAYBE
    if (s[i] !== ':') return NO
    i = skipWs(s, i + 1)
    if (i >= s.length) return MAYBE
    if (s[i] !== '"' && s[i] !== "'") return NO
    const valueEnd = stringEnd(s, i)
    if (valueEnd < 0) return tools.couldName(s.slice(i + 1)) ? MAYBE : NO
    if (!tools.lookup(s.slice(i + 1, valueEnd))) return NO
  }
  return { kind: 'found', format: 'json', close: '', bodyFrom: at }
}

function examineFence(s: string, at: number, tools: DeclaredTools): Opening {
  if (s.length - at < 3) return '```'.startsWith(s.slice(at)) ? MAYBE : NO
  if (!s.startsWith('```', at)) return NO
  let i = at + 3
  while (i < s.length && /[\w+.-]/.test(s[i]!)) i++
  if (i - at - 3 > 20) return NO
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\r')) i++
  if (i >= s.length) return MAYBE
  if (s[i] !== '\n') return NO
  const bodyFrom = i + 1
  const j = skipWs(s, bodyFrom)
  if (j >= s.length) return MAYBE
  const inner = examine(s, j, tools, true)
  if (inner.kind !== 'found') return inner
  return { kind: 'found', format: 'fence', close: '```', bodyFrom }
}

/**
 * A candidate being held until its end shows up. Finding the end is
 * incremental: each call reads only the text added since the last.
 */
export class Pending {
  private pos: number
  private depth = 0
  private quote = ''
  private escaped = false

  constructor(
    public at: number,
    readonly found: Found,
  ) {
    this.pos = found.bodyFrom
  }

  /** Moves every position back by n (the text before was released). */
  shift(n: number): void {
    this.at -= n
    this.pos -= n
    this.found.bodyFrom -= n
  }

  /** Where the body closes and where the candidate ends, once the text has them. */
  findEnd(s: string): { bodyTo: number; end: number } | undefined {
    if (this.found.close === '') return this.balance(s)
    const close = this.found.close
    const idx = s.indexOf(close, Math.max(this.found.bodyFrom, this.pos - close.length + 1))
    this.pos = s.length
    return idx < 0 ? undefined : { bodyTo: idx, end: idx + close.length }
  }

  private balance(s: string): { bodyTo: number; end: number } | undefined {
    for (let i = this.pos; i < s.length; i++) {
      const c = s[i]
      if (this.quote) {
        if (this.escaped) this.escaped = false
        else if (c === '\\') this.escaped = true
        else if (c === this.quote) this.quote = ''
      } else if (c === '"' || c === "'") this.quote = c
      else if (c === '{' || c === '[') this.depth++
      else if (c === '}' || c === ']') {
        if (--this.depth === 0) {
          this.pos = i + 1
          return { bodyTo: i + 1, end: i + 1 }
        }
      }
    }
    this.pos = s.length
    return undefined
  }
}
