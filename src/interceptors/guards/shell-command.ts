import type { CommandPattern } from '../../config/interactive-settings'
import type { HubTool } from '../../hub/request'
import { jsonrepair } from 'jsonrepair'
import { DESTRUCTIVE_RULES } from './destructive-patterns'
import { cleanText, parseArgv, parseCommandLine, type SimpleCommand } from './shell-parse'

/**
 * Which tools run shell commands, how to read the command out of a call's
 * arguments, and whether that command is destructive.
 *
 * Shapes, from the agents' own tool definitions:
 * - Claude Code `Bash`: `{command: string, description?, timeout?, run_in_background?}`
 * - Codex `shell`: `{command: string[], workdir?, timeout_ms?}` (an argv, often `["bash", "-lc", "…"]`);
 *   `shell_command`: `{command: string, workdir?}`; `exec_command` (unified exec): `{cmd: string, …}`;
 *   `local_shell`: `{action: {type: "exec", command: string[]}}`
 * - Gemini CLI `run_shell_command`: `{command: string, description?, directory?}`
 * - Cursor `run_terminal_cmd`, Cline/Roo `execute_command`, Copilot `run_in_terminal`: `{command: string, …}`
 */
const SHELL_TOOL_NAMES = new Set([
  'bash',
  'shell',
  'sh',
  'shell_command',
  'exec_command',
  'execute_command',
  'run_shell_command',
  'run_terminal_cmd',
  'run_terminal_command',
  'run_in_terminal',
  'run_command',
  'local_shell',
  'exec',
  'terminal',
  'execute_bash',
  'bash_tool',
])

const isCommandProp = (p: unknown): boolean => {
  if (!p || typeof p !== 'object') return false
  const t = (p as { type?: unknown }).type
  const types = Array.isArray(t) ? t : [t]
  if (types.includes('string')) return true
  if (types.includes('array')) {
    const items = (p as { items?: { type?: unknown } }).items
    return !items || items.type === 'string' || (Array.isArray(items.type) && items.type.includes('string'))
  }
  return false
}

/** A tool that runs shell commands: by its name, or by a `command` / `cmd` string (or argv) parameter. */
export function isShellTool(tool: Pick<HubTool, 'name' | 'parameters'>): boolean {
  if (SHELL_TOOL_NAMES.has(tool.name.toLowerCase())) return true
  const props = (tool.parameters as { properties?: Record<string, unknown> } | undefined)?.properties
  return !!props && (isCommandProp(props.command) || isCommandProp(props.cmd))
}

export const isShellToolName = (name: string) => SHELL_TOOL_NAMES.has(name.toLowerCase())

/** The command a call would run, as parsed simple commands plus its cleaned text; undefined when it names none. */
export function commandOfCall(args: string, custom: boolean): { text: string; commands: SimpleCommand[] } | undefined {
  if (custom) return args.trim() ? { text: cleanText(args), commands: parseCommandLine(args) } : undefined
  let value: unknown
  try {
    value = JSON.parse(args)
  } catch {
    try {
      value = JSON.parse(jsonrepair(args))
    } catch {
      // Not JSON at all: judge the raw text (a client may still run what it makes of it).
      return args.trim() ? { text: cleanText(args), commands: parseCommandLine(args) } : undefined
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined
  const o = value as Record<string, unknown>
  const action = o.action && typeof o.action === 'object' ? (o.action as Record<string, unknown>) : undefined
  // `input`: a free-form tool (Codex's `exec`) offered to a provider without them, as a function with one string argument.
  for (const v of [o.command, o.cmd, action?.command, o.input]) {
    if (typeof v === 'string' && v.trim()) return { text: cleanText(v), commands: parseCommandLine(v) }
    if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) {
      const argv = v as string[]
      return { text: cleanText(argv.join(' ')), commands: parseArgv(argv) }
    }
  }
  return undefined
}

export interface Verdict {
  /** The simple command that matched, or the whole command line for a line rule or a configured pattern. */
  command: string
  reason: string
}

export interface CommandPolicy {
  extra: Array<{ re: RegExp; reason: string }>
  exempt: RegExp[]
}

/** Compiles the config file's `dangerous_commands:` / `allowed_commands:` once. */
export function commandPolicy(d: { extra: CommandPattern[]; exempt: CommandPattern[] }): CommandPolicy {
  return {
    extra: d.extra.map((p) => ({ re: new RegExp(p.pattern), reason: p.reason ?? `it matches the configured dangerous pattern /${p.pattern}/` })),
    exempt: d.exempt.map((p) => new RegExp(p.pattern)),
  }
}

const whole = (re: RegExp, s: string) => {
  const m = re.exec(s)
  return m !== null && m.index === 0 && m[0].length === s.length
}

/**
 * Why this command must not run, or undefined. Exemptions are checked first:
 * one that matches a simple command (or, for a command fed by a pipe, `a | b`)
 * passes that command; one that matches the whole line from end to end passes
 * it all (so `rm -rf node_modules` exempts neither `… && rm -rf src` nor a
 * line that merely contains it). Configured patterns match each simple
 * command and the whole line (its simple commands joined with ` ; `).
 */
export function judgeCommand(cmd: { text: string; commands: SimpleCommand[] }, policy: CommandPolicy): Verdict | undefined {
  const line = cmd.commands.map((c) => c.text).join(' ; ')
  if (policy.exempt.some((re) => whole(re, line) || whole(re, cmd.text.trim()))) return undefined
  const squashed = cmd.text.replace(/\s+/g, '')
  for (const rule of DESTRUCTIVE_RULES) if (rule.line?.test(squashed)) return { command: cmd.text.trim(), reason: rule.reason }
  for (const c of cmd.commands) {
    const piped = c.pipedFrom && `${c.pipedFrom.text} | ${c.text}`
    if (policy.exempt.some((re) => re.test(c.text) || (piped !== undefined && re.test(piped)))) continue
    for (const rule of DESTRUCTIVE_RULES) if (rule.test?.(c)) return { command: c.text, reason: rule.reason }
    for (const p of policy.extra) if (p.re.test(c.text)) return { command: c.text, reason: p.reason }
  }
  for (const p of policy.extra) if (p.re.test(line)) return { command: line, reason: p.reason }
  return undefined
}

/** Parses and judges a command line (for tests and the rule table's examples). */
export function judgeLine(text: string, policy: CommandPolicy = { extra: [], exempt: [] }): Verdict | undefined {
  return judgeCommand({ text: cleanText(text), commands: parseCommandLine(text) }, policy)
}
