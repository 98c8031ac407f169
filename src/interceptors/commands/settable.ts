import { SWITCHES, type SwitchName } from '../../config/interactive-settings'
import { checkBackend, checkCommandSelector } from './check-selector'
import { CommandError, type CommandContext } from './command'

export const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const
export type SessionEffort = (typeof EFFORTS)[number]

/** The same rule as COMMAND_PREFIX's. */
const PREFIX = /^[^\s\w(),="']{1,8}$/

interface Settable {
  /** What it takes, for help and errors. */
  takes: string
  /** The value to store, from what the user wrote; throws CommandError. */
  parse(ctx: CommandContext, raw: string): string | number | boolean
  /** What the reply should add about a value that was stored but cannot take effect here. */
  note?(ctx: CommandContext, value: string | number | boolean): string | undefined
}

const number = (min: number, max: number): Settable => ({
  takes: `a number from ${min} to ${max}`,
  parse(_ctx, raw) {
    const n = Number(raw.trim())
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new CommandError(`must be a number from ${min} to ${max}, got "${raw}"`)
    return n
  },
})

const positiveInt: Settable = {
  takes: 'a whole number above 0',
  parse(_ctx, raw) {
    const n = Number(raw.trim())
    if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n <= 0) throw new CommandError(`must be a whole number above 0, got "${raw}"`)
    return n
  },
}

export function parseBool(raw: string): boolean {
  const v = raw.trim().toLowerCase()
  if (['true', 'on', 'yes', '1'].includes(v)) return true
  if (['false', 'off', 'no', '0'].includes(v)) return false
  throw new CommandError(`must be true or false (on/off), got "${raw}"`)
}

const bool: Settable = { takes: 'true or false (on/off)', parse: (_ctx, raw) => parseBool(raw) }

/**
 * Every name `!/set` and `!/unset` know, with what it takes. The switches are
 * the interactive layer's (SWITCHES); the rest are read by session-overrides
 * (and `command-prefix` by session-commands).
 */
export const SETTABLE: Record<string, Settable> = {
  model: {
    takes: 'a model selector: backend:model, a|b failover, or a route name',
    parse: (ctx, raw) => checkCommandSelector(ctx, raw, 'model'),
  },
  backend: {
    takes: 'a back end id (the client’s model name is kept)',
    parse: (ctx, raw) => checkBackend(ctx.rt, raw.trim(), 'backend').id,
  },
  temperature: number(0, 2),
  'top-p': number(0, 1),
  'max-tokens': positiveInt,
  'thinking-budget': positiveInt,
  'reasoning-effort': {
    takes: EFFORTS.join(' | '),
    parse(_ctx, raw) {
      const v = raw.trim().toLowerCase()
      if (!(EFFORTS as readonly string[]).includes(v)) throw new CommandError(`must be one of ${EFFORTS.join(', ')}, got "${raw}"`)
      return v
    },
  },
  'command-prefix': {
    takes: '1 to 8 punctuation characters, like !/',
    parse(_ctx, raw) {
      const v = raw.trim()
      if (!PREFIX.test(v)) throw new CommandError(`must be 1 to 8 punctuation characters (no spaces, letters, digits, quotes, parentheses, commas or "="), got "${raw}"`)
      return v
    },
  },
  ...(Object.fromEntries(Object.keys(SWITCHES).map((name) => [name, bool])) as Record<SwitchName, Settable>),
  capture: {
    ...bool,
    note: (ctx, value) =>
      value === true && !ctx.rt.captureSink ? 'this gateway has nowhere to keep captures (on Workers: no CAPTURE_BUCKET binding), so nothing is recorded' : undefined,
  },
}

/** `model` and `backend` exclude each other: setting one clears the other (the reply says so). */
export const EXCLUSIVE: Record<string, string> = { model: 'backend', backend: 'model' }

export function settable(name: string): Settable {
  const s = SETTABLE[name]
  if (!s) throw new CommandError(`unknown setting "${name}" (known: ${Object.keys(SETTABLE).join(', ')}).`)
  return s
}
