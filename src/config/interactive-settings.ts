import { z } from 'zod'
import { SettingsError } from './settings-error'

/**
 * The interactive layer's switches: each has a setting (env / config `settings:`),
 * a default, and a name a session can set with `!/set(name=true|false)`.
 * The switch name is the `!/set` key; the setting is its env name.
 */
export const SWITCHES = {
  'tool-repair': { setting: 'TOOL_REPAIR', default: true },
  'json-repair': { setting: 'JSON_REPAIR', default: true },
  'dangerous-command-guard': { setting: 'DANGEROUS_COMMAND_GUARD', default: true },
  'tool-loop-guard': { setting: 'TOOL_LOOP_GUARD', default: true },
  'loop-detection': { setting: 'LOOP_DETECTION', default: false },
  'redact-api-keys-in-prompts': { setting: 'REDACT_API_KEYS_IN_PROMPTS', default: true },
  'fix-think-tags': { setting: 'FIX_THINK_TAGS', default: false },
  /** Wire capture (src/capture/): the session's value wins over the client's `capture:`, which wins over CAPTURE. */
  capture: { setting: 'CAPTURE', default: false },
} as const

export type SwitchName = keyof typeof SWITCHES

/** A content-rewriting rule from the config file's `rewrites:`. */
export interface RewriteRule {
  target: 'system' | 'user' | 'reply'
  /** A literal string, or `/regex/flags`. */
  match: string
  action: 'replace' | 'prepend' | 'append'
  text: string
}

/** An extra destructive-command pattern (config `dangerous_commands:`), or an exemption. */
export interface CommandPattern {
  /** A regular expression source, matched against the normalised command. */
  pattern: string
  /** Said to the model and the user when the pattern blocks a call. */
  reason?: string
}

export interface InteractiveSettings {
  /** SESSION_TTL_S: a session untouched this long is forgotten. */
  sessionTtlS: number
  /** COMMAND_PREFIX (`!/`) and INTERACTIVE_COMMANDS (off: commands are cut out, not run). */
  commands: { enabled: boolean; prefix: string }
  /** Each switch's value from the settings (a session's `!/set` wins over it). */
  switches: Record<SwitchName, boolean>
  /** TOOLS_ALLOW / TOOLS_DENY: globs on tool names (per client too, from the config file's `clients:`). */
  tools: { allow: string[]; deny: string[] }
  /** Config `dangerous_commands:` (extra patterns) and `allowed_commands:` (exemptions, matched first). */
  dangerous: { extra: CommandPattern[]; exempt: CommandPattern[] }
  /** Config `rewrites:`. */
  rewrites: RewriteRule[]
}

const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return fallback
      const v = s.trim().toLowerCase()
      if (['1', 'true', 'on', 'yes'].includes(v)) return true
      if (['0', 'false', 'off', 'no'].includes(v)) return false
      ctx.addIssue({ code: 'custom', message: `must be on or off, got "${s}"` })
      return z.NEVER
    })

const globs = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))

/** The env part of the settings schema (merged into settings.ts's). */
export function interactiveSchemaShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {
    SESSION_TTL_S: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined || s === '') return 86_400
        const n = Number(s)
        if (!Number.isInteger(n) || n <= 0) {
          ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${s}"` })
          return z.NEVER
        }
        return n
      }),
    COMMAND_PREFIX: z
      .string()
      .optional()
      .refine((s) => s === undefined || s === '' || /^[^\s\w(),="']{1,8}$/.test(s), 'must be 1 to 8 punctuation characters (no spaces, letters, digits, quotes, parentheses, commas or "="), like !/')
      .transform((s) => s || '!/'),
    INTERACTIVE_COMMANDS: flag(true),
    TOOLS_ALLOW: globs,
    TOOLS_DENY: globs,
  }
  for (const s of Object.values(SWITCHES)) shape[s.setting] = flag(s.default)
  return shape
}

export const commandPatternSchema = z.union([
  z.string().min(1).transform((pattern) => ({ pattern })),
  z.strictObject({ pattern: z.string().min(1), reason: z.string().optional() }),
])

export const rewriteRuleSchema = z.strictObject({
  target: z.enum(['system', 'user', 'reply']),
  match: z.string().min(1),
  action: z.enum(['replace', 'prepend', 'append']),
  text: z.string(),
})

/** Reads the interactive settings from the parsed env values and the config file's blocks. */
export function interactiveSettings(
  s: Record<string, any>,
  config: { dangerous_commands?: CommandPattern[]; allowed_commands?: CommandPattern[]; rewrites?: RewriteRule[] },
): InteractiveSettings {
  const switches = {} as Record<SwitchName, boolean>
  for (const [name, sw] of Object.entries(SWITCHES)) switches[name as SwitchName] = s[sw.setting]
  const dangerous = { extra: config.dangerous_commands ?? [], exempt: config.allowed_commands ?? [] }
  for (const [where, list] of [['dangerous_commands', dangerous.extra], ['allowed_commands', dangerous.exempt]] as const)
    list.forEach((p, i) => {
      try {
        new RegExp(p.pattern)
      } catch (err) {
        throw new SettingsError(`Invalid config file ${where}[${i}].pattern: ${(err as Error).message}`)
      }
    })
  ;(config.rewrites ?? []).forEach((r, i) => {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(r.match)
    if (!m) return
    try {
      new RegExp(m[1]!, m[2])
    } catch (err) {
      throw new SettingsError(`Invalid config file rewrites[${i}].match: ${(err as Error).message}`)
    }
  })
  return {
    sessionTtlS: s.SESSION_TTL_S,
    commands: { enabled: s.INTERACTIVE_COMMANDS, prefix: s.COMMAND_PREFIX },
    switches,
    tools: { allow: s.TOOLS_ALLOW, deny: s.TOOLS_DENY },
    dangerous,
    rewrites: config.rewrites ?? [],
  }
}
