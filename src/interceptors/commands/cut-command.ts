import type { HubMessage, HubRequest, TextPart } from '../../hub/request'
import { findCommand, type CommandMatch } from './parse-command'

/** Text a client adds to the user's message on its own (Claude Code's reminders): not the user's words. */
const INJECTED = /^\s*<system-reminder>[\s\S]*<\/system-reminder>\s*$/

export interface CutCommand {
  match: CommandMatch
  /** The message held nothing but the command (and text its client injects): nothing of it is left for an upstream. */
  only: boolean
}

/**
 * The command at the end of a user message's last text part, cut out of it
 * (the part goes when nothing is left of it). Tries each prefix in turn.
 */
export function cutCommand(m: HubMessage, prefixes: readonly string[]): CutCommand | undefined {
  let i = m.content.length - 1
  while (i >= 0 && m.content[i]!.type !== 'text') i--
  if (i < 0) return undefined
  const part = m.content[i] as TextPart
  let match: CommandMatch | undefined
  for (const p of prefixes) if ((match = findCommand(part.text, p))) break
  if (!match) return undefined
  if (match.rest.trim()) part.text = match.rest
  else m.content.splice(i, 1)
  const only = m.content.every((c) => c.type === 'text' && (!c.text.trim() || INJECTED.test(c.text)))
  return { match, only }
}

/** The index of the last user message, or -1. */
export function lastUserIndex(messages: readonly HubMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return i
  return -1
}

/**
 * Keeps commands and the gateway's replies to them from an upstream when a
 * client sends its history back: in the user messages before `upto`, a message
 * that was only a command goes, with the assistant message that answered it
 * (so user and assistant still alternate); a command at the end of a message
 * with other text is cut out of it. Returns whether anything changed.
 */
export function scrubHistory(req: HubRequest, upto: number, prefixes: readonly string[]): boolean {
  const kept: HubMessage[] = []
  let changed = false
  const msgs = req.messages
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!
    if (i < upto && m.role === 'user') {
      const cut = cutCommand(m, prefixes)
      if (cut) changed = true
      if (cut?.only) {
        if (msgs[i + 1]?.role === 'assistant' && i + 1 < upto) i++
        continue
      }
    }
    kept.push(m)
  }
  if (changed) req.messages = kept
  return changed
}
