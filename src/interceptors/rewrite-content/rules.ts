import type { RewriteRule } from '../../config/interactive-settings'

/** A rewrite rule ready to run: its match as a literal or as a regular expression. */
export interface CompiledRule {
  readonly target: RewriteRule['target']
  readonly action: RewriteRule['action']
  readonly text: string
  /** The match as written, when it is not `/regex/flags`. */
  readonly literal?: string
  /** The match as a regular expression (global, for replacing), when written `/regex/flags`. */
  readonly regex?: RegExp
  /** Whether a text holds a match. */
  test(s: string): boolean
  /** Every match replaced by `text` (a regex's `$1`, `$&`… are honoured; a literal's text is taken as is). */
  replace(s: string): string
}

export interface CompiledRules {
  /** Rules on outbound system and user text. */
  request: CompiledRule[]
  /** Rules on the answer's text. */
  reply: CompiledRule[]
  /**
   * Whether the raw body must be decoded to apply the request rules: false when
   * every request rule is a literal `replace` that the body, as sent, does not
   * contain (checked with `mayApply`).
   */
  mayApply(raw: string): boolean
}

const REGEX = /^\/(.*)\/([a-z]*)$/s
const cache = new WeakMap<readonly RewriteRule[], CompiledRules>()

/** The rules of the settings, compiled once per settings object. */
export function compileRules(rules: readonly RewriteRule[]): CompiledRules {
  let compiled = cache.get(rules)
  if (!compiled) cache.set(rules, (compiled = compile(rules)))
  return compiled
}

function compile(rules: readonly RewriteRule[]): CompiledRules {
  const all = rules.map(compileRule)
  const request = all.filter((r) => r.target !== 'reply')
  const reply = all.filter((r) => r.target === 'reply')
  // A literal replace whose JSON form is itself (printable ASCII, no quote or backslash) is in the raw body exactly when it is in some string of it.
  const plain = (r: CompiledRule) => r.action === 'replace' && r.literal !== undefined && /^[\x20-\x7e]*$/.test(r.literal) && !/["\\]/.test(r.literal)
  const cheap = request.every(plain)
  return {
    request,
    reply,
    mayApply: (raw) => request.length > 0 && (!cheap || request.some((r) => raw.includes(r.literal!))),
  }
}

function compileRule(rule: RewriteRule): CompiledRule {
  const m = REGEX.exec(rule.match)
  const base = { target: rule.target, action: rule.action, text: rule.text }
  if (!m) {
    const literal = rule.match
    return { ...base, literal, test: (s) => s.includes(literal), replace: (s) => (s.includes(literal) ? s.split(literal).join(rule.text) : s) }
  }
  const flags = m[2]!.replace(/[gy]/g, '')
  const regex = new RegExp(m[1]!, flags + 'g')
  const once = new RegExp(m[1]!, flags)
  return { ...base, regex, test: (s) => once.test(s), replace: (s) => s.replace(regex, rule.text) }
}
