import type { CommandContext } from './commands/command'
import { cutCommand, lastUserIndex, scrubHistory } from './commands/cut-command'
import { runCommand } from './commands/registry'
import type { Interceptor } from './types'

/**
 * In-chat commands (`!/help`, `!/model(…)`, …; the grammar is in
 * commands/parse-command.ts). A command at the end of the last user message
 * runs: a message that is only a command is answered by the gateway, with no
 * upstream call; one at the end of other text runs, is cut out, and the rest
 * goes upstream. Commands in the history the client sends back are cut out,
 * and a command-only message goes with the reply that followed it, so neither
 * ever reaches an upstream. INTERACTIVE_COMMANDS=off cuts commands without
 * running them.
 *
 * Cheap when there is nothing to do: a body that does not hold the prefix is
 * not decoded.
 */
export const sessionCommands: Interceptor = {
  name: 'session-commands',
  does: 'runs !/commands at the end of the last user message; keeps commands and their replies from upstreams',
  request(turn) {
    const cfg = turn.rt.settings.interactive.commands
    const own = turn.session.data.settings?.['command-prefix']
    const prefix = typeof own === 'string' && own ? own : cfg.prefix
    // History may hold commands written with the gateway's prefix before the session changed it.
    const prefixes = prefix === cfg.prefix ? [prefix] : [prefix, cfg.prefix]
    if (!prefixes.some((p) => mentions(turn.text, p))) return

    const hub = turn.hub()
    const last = lastUserIndex(hub.messages)
    if (last < 0) return
    const cut = cutCommand(hub.messages[last]!, [prefix])
    const scrubbed = scrubHistory(hub, last, prefixes)
    if (!cut) {
      if (scrubbed) turn.changed()
      return
    }
    const raw = cut.match.error === undefined ? cut.match.command.raw : cut.match.raw
    if (!cfg.enabled) {
      // Nothing is left to send: say why nothing happens rather than send an empty message.
      if (cut.only) turn.reply(`In-chat commands are switched off on this gateway (INTERACTIVE_COMMANDS=off): ${raw} was not run.`)
      else {
        turn.warn(`${raw} was cut out, not run (INTERACTIVE_COMMANDS=off)`)
        turn.changed()
      }
      return
    }
    const ctx: CommandContext = { rt: turn.rt, session: turn.session, prefix }
    const outcome = runCommand(ctx, cut.match)
    if (cut.only) {
      turn.reply(outcome.reply)
      return
    }
    turn.warn(`${raw}: ${outcome.reply.split('\n', 1)[0]}`)
    turn.changed()
  },
}

/** The strings that betray each prefix in a JSON body, worked out once per prefix. */
const NEEDLES = new Map<string, string[]>()

/**
 * Whether a client's body (JSON text) may hold `prefix`: as written, or as
 * JSON encoders escape it (`\/` by PHP, `\u003c` for `<`, `>` and `&` by Go).
 */
function mentions(text: string, prefix: string): boolean {
  let needles = NEEDLES.get(prefix)
  if (!needles) {
    const json = JSON.stringify(prefix).slice(1, -1)
    const variants = new Set([prefix, json, json.replace(/\//g, '\\/'), json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)])
    for (const v of [...variants]) variants.add(v.replace(/\\u00([0-9a-f]{2})/g, (_, h: string) => `\\u00${h.toUpperCase()}`))
    needles = [...variants]
    if (NEEDLES.size < 64) NEEDLES.set(prefix, needles)
  }
  return needles.some((n) => text.includes(n))
}
