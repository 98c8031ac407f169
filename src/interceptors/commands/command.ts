import type { Runtime } from '../../gateway/runtime'
import type { Session, SessionData } from '../types'
import type { ParsedCommand } from './parse-command'

/** What a command may read and change. */
export interface CommandContext {
  readonly rt: Runtime
  readonly session: Session
  /** The prefix commands start with in this session (`!/` unless `command-prefix` is set), for replies. */
  readonly prefix: string
}

export interface Command {
  name: string
  /** The argument part of its usage: `(k=v, …)`, or '' for none. */
  usage: string
  /** One line for `help`. */
  summary: string
  /** A use of it, without the prefix: `model(openai:gpt-4.1)`. */
  example: string
  /** Runs it and returns the reply; throws CommandError for bad arguments. */
  run(ctx: CommandContext, cmd: ParsedCommand): string
}

/** Bad arguments: the reply says what is wrong and where to get help. */
export class CommandError extends Error {}

/** The session's `!/set` values, created when first needed. */
export function sessionSettings(data: SessionData): NonNullable<SessionData['settings']> {
  return (data.settings ??= {})
}

/** A command that takes no arguments refuses some. */
export function noArgs(cmd: ParsedCommand): void {
  if (cmd.args.length || Object.keys(cmd.named).length) throw new CommandError(`${cmd.name} takes no arguments.`)
}

/**
 * The one value a command takes, given positionally or as `name=`:
 * `model(openai:gpt-4.1)` or `model(name=openai:gpt-4.1)`. Undefined when none is given.
 */
export function oneValue(cmd: ParsedCommand, key: string): string | undefined {
  const extra = Object.keys(cmd.named).filter((k) => k !== key)
  if (extra.length) throw new CommandError(`${cmd.name} does not take "${extra[0]}" (it takes one value, or ${key}=…).`)
  const values = [...cmd.args, ...(key in cmd.named ? [cmd.named[key]!] : [])]
  if (values.length > 1) throw new CommandError(`${cmd.name} takes one value, got ${values.length}.`)
  return values[0]
}
