import { CommandError, type Command, type CommandContext } from './command'
import { helpCommand, INFO_COMMANDS } from './info-commands'
import type { CommandMatch } from './parse-command'
import { ROUTE_COMMANDS } from './route-commands'
import { SETTING_COMMANDS } from './setting-commands'

/** Every in-chat command, in the order `help` lists them. */
export const COMMANDS: readonly Command[] = [helpCommand(() => COMMANDS), ...INFO_COMMANDS, ...SETTING_COMMANDS, ...ROUTE_COMMANDS]

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]))

export interface CommandOutcome {
  reply: string
  /** The command did not run: unknown, unreadable or bad arguments. */
  failed: boolean
}

/** Runs a command found by findCommand; bad input gets a reply saying what is wrong and how to get help. */
export function runCommand(ctx: CommandContext, match: CommandMatch): CommandOutcome {
  const p = ctx.prefix
  if (match.error !== undefined)
    return { failed: true, reply: `Could not read the command ${match.raw}: ${match.error}. Type ${p}help(${match.name}) for help.` }
  const cmd = match.command
  const command = BY_NAME.get(cmd.name)
  if (!command) return { failed: true, reply: `Unknown command ${p}${cmd.name}. Type ${p}help for the list.` }
  try {
    return { failed: false, reply: command.run(ctx, cmd) }
  } catch (err) {
    if (!(err instanceof CommandError)) throw err
    const msg = err.message.endsWith('.') || err.message.endsWith(')') ? err.message : `${err.message}.`
    return { failed: true, reply: `${p}${cmd.name}: ${msg.replace(new RegExp(`^${escape(cmd.name)}:? `), '')} Type ${p}help(${cmd.name}) for help.` }
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
