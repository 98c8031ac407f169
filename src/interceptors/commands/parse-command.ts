/**
 * The in-chat command grammar: `<prefix><name>` with optional `(args)`.
 *
 *   !/help                      no arguments
 *   !/model(openai:gpt-4.1)     one positional argument
 *   !/set(temperature=0.2, top-p=0.9)
 *   !/set(command-prefix="##")  quotes are removed; commas and parentheses inside them are kept
 *
 * - A command is looked for only at the END of the last non-blank line of a
 *   text (tail-anchored): `please do X !/model(a:b)` holds one, `!/model(a:b)
 *   then text` does not, nor does a command on an earlier line.
 * - The prefix starts the line or follows whitespace: `x!/help` is no command,
 *   and `\!/help` is the way to write one literally.
 * - Names are letters, digits and `-`, starting with a letter (case-insensitive).
 * - Arguments split on top-level commas: `(…)`, `[…]` and `{…}` nest, quotes
 *   (`'…'` or `"…"`, with `\"`, `\'` and `\\` inside) hide commas and
 *   brackets. `k=v` is named (k: a letter, then letters, digits, `-`, `_`);
 *   anything else is positional (`openai:gpt-4.1?temperature=0.2` included).
 */
export interface ParsedCommand {
  /** Lower-cased. */
  name: string
  /** Positional arguments, in order. */
  args: string[]
  /** Named arguments (`k=v`), keys lower-cased; a key given twice keeps its last value. */
  named: Record<string, string>
  /** The command as written (prefix to closing parenthesis). */
  raw: string
}

export type CommandMatch =
  /** A command, and the text with it cut out (trailing whitespace trimmed). */
  | { command: ParsedCommand; rest: string; error?: undefined }
  /** `<prefix><name>(` whose arguments run to the end of the text without closing: a command that cannot be read. */
  | { error: string; name: string; raw: string; rest: string; command?: undefined }

const NAME = /[A-Za-z][A-Za-z0-9-]*/y
const KEY = /^[A-Za-z][A-Za-z0-9_-]*$/
const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' }

/** The command at the tail of `text`, if there is one. */
export function findCommand(text: string, prefix: string): CommandMatch | undefined {
  if (!prefix || !text.includes(prefix)) return undefined
  const end = text.trimEnd()
  const lineStart = end.lastIndexOf('\n') + 1
  // Right to left: the first prefix (from the end) that reads as a command up to the end of the line.
  for (let at = end.lastIndexOf(prefix); at >= lineStart; at = at > 0 ? end.lastIndexOf(prefix, at - 1) : -1) {
    if (at > lineStart && !/\s/.test(end[at - 1]!)) continue
    const m = readCommand(end, at, prefix)
    if (!m) continue
    const rest = end.slice(0, at).trimEnd()
    if ('error' in m) return { error: m.error, name: m.name, raw: end.slice(at), rest }
    return { command: m, rest }
  }
  return undefined
}

/** The command that starts at `at` and ends exactly at the end of `s`, or an error for one whose arguments never close. */
function readCommand(s: string, at: number, prefix: string): ParsedCommand | { error: string; name: string } | undefined {
  NAME.lastIndex = at + prefix.length
  const m = NAME.exec(s)
  if (!m) return undefined
  const name = m[0].toLowerCase()
  const after = NAME.lastIndex
  if (after === s.length) return { name, args: [], named: {}, raw: s.slice(at) }
  if (s[after] !== '(') return undefined
  const parsed = readArgs(s, after + 1)
  if ('stray' in parsed) return undefined
  if ('error' in parsed) return { error: parsed.error, name }
  // Text after the closing parenthesis: not a command (tail-anchored).
  if (parsed.end !== s.length) return undefined
  return { name, args: parsed.args, named: parsed.named, raw: s.slice(at) }
}

interface Arg {
  text: string
  /** Where the first top-level unquoted `=` split it, when what is before it has no quotes. */
  eq: number
  /** The span of `text` that came from quotes (never trimmed). */
  qlo: number
  qhi: number
}

/** The arguments from `start` (just after `(`) to the matching `)`. */
function readArgs(s: string, start: number): { args: string[]; named: Record<string, string>; end: number } | { error: string } | { stray: true } {
  const args: string[] = []
  const named: Record<string, string> = {}
  const stack: string[] = []
  let quote = ''
  let arg: Arg = { text: '', eq: -1, qlo: Infinity, qhi: -1 }
  const finish = () => {
    const a = arg
    arg = { text: '', eq: -1, qlo: Infinity, qhi: -1 }
    if (a.eq >= 0 && KEY.test(a.text.slice(0, a.eq).trim())) {
      named[a.text.slice(0, a.eq).trim().toLowerCase()] = trimUnquoted(a, a.eq)
      return
    }
    if (a.eq >= 0) {
      // Not a key before the `=` (`openai:gpt-4.1?temperature=0.2`): the `=` is part of a positional value.
      a.text = `${a.text.slice(0, a.eq)}=${a.text.slice(a.eq)}`
      shift(a, a.eq)
    }
    const v = trimUnquoted(a, 0)
    if (v !== '' || a.qhi >= 0) args.push(v)
  }
  for (let i = start; i < s.length; i++) {
    const c = s[i]!
    if (quote) {
      if (c === '\\' && (s[i + 1] === quote || s[i + 1] === '\\')) {
        // Nested text is kept as written; at the top level the escape is undone.
        if (stack.length) arg.text += c
        arg.text += s[++i]
      } else if (c === quote) {
        quote = ''
        if (stack.length) arg.text += c
        continue
      } else arg.text += c
      if (!stack.length) arg.qhi = arg.text.length
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      if (stack.length) arg.text += c
      else {
        arg.qlo = Math.min(arg.qlo, arg.text.length)
        arg.qhi = arg.text.length
      }
      continue
    }
    if (c === '(' || c === '[' || c === '{') {
      stack.push(CLOSE[c]!)
      arg.text += c
      continue
    }
    if (c === ')' || c === ']' || c === '}') {
      if (!stack.length && c === ')') {
        finish()
        return { args, named, end: i + 1 }
      }
      // A stray closing bracket: not our grammar, so not a command.
      if (stack.pop() !== c) return { stray: true }
      arg.text += c
      continue
    }
    if (!stack.length && c === ',') {
      finish()
      continue
    }
    if (!stack.length && c === '=' && arg.eq < 0 && arg.qhi < 0) {
      arg.eq = arg.text.length
      continue
    }
    arg.text += c
  }
  if (quote) return { error: `a quote (${quote}) is not closed` }
  return { error: stack.length ? `"${stack[stack.length - 1]}" is missing` : 'the closing ")" is missing' }
}

/** After putting back an `=` at `at`, quoted spans after it move one along. */
function shift(a: Arg, at: number): void {
  if (a.qhi >= at) a.qhi++
  if (a.qlo >= at && a.qlo !== Infinity) a.qlo++
}

/** `text` from `from` (past the `=` when named), without unquoted whitespace at either end. */
function trimUnquoted(a: Arg, from: number): string {
  let lo = from
  let hi = a.text.length
  const qlo = Math.max(a.qlo, from)
  while (lo < hi && lo < qlo && /\s/.test(a.text[lo]!)) lo++
  while (hi > lo && hi > a.qhi && /\s/.test(a.text[hi - 1]!)) hi--
  return a.text.slice(lo, hi)
}
