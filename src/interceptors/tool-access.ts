import { globMatch } from '../routing/resolve-model'
import { blockingWatch } from './guards/block-calls'
import type { AnswerTurn, Interceptor, RequestTurn } from './types'

interface ToolLists {
  allow: readonly string[]
  deny: readonly string[]
}

/** The client's own lists (config `clients:`) over TOOLS_ALLOW / TOOLS_DENY, each list on its own. */
function listsOf(turn: RequestTurn | AnswerTurn): ToolLists | undefined {
  const g = turn.rt.settings.interactive.tools
  const c = turn.client.tools
  const allow = c?.allow ?? g.allow
  const deny = c?.deny ?? g.deny
  return allow.length || deny.length ? { allow, deny } : undefined
}

/** Denied: not matched by an allow glob (when there are any), or matched by a deny glob. */
export const isDenied = (name: string, l: ToolLists) =>
  (l.allow.length > 0 && !l.allow.some((p) => globMatch(p, name))) || l.deny.some((p) => globMatch(p, name))

export function deniedCallText(tool: string): string {
  return (
    `[gateway] Blocked: the call to the tool \`${tool}\` was not delivered and did not run, because this gateway does not allow that tool. ` +
    'Do not call it again. If what it does is really needed, ask the user to do it themselves.'
  )
}

/**
 * TOOLS_ALLOW / TOOLS_DENY (globs on tool names; a client's own lists from the
 * config file replace them): denied tools are taken out of the request's tool
 * list, and a call the model makes to one anyway is blocked like a dangerous
 * command.
 */
export const toolAccess: Interceptor = {
  name: 'tool-access',
  does: 'removes tools TOOLS_ALLOW / TOOLS_DENY deny from the request and blocks calls to them',

  request(turn: RequestTurn) {
    const l = listsOf(turn)
    if (!l) return
    const declared = turn.body.tools
    if (!Array.isArray(declared) || declared.length === 0) return
    const hub = turn.hub()
    const tools = hub.tools
    if (!tools?.length) return
    const kept = tools.filter((t) => !isDenied(t.name, l))
    if (kept.length === tools.length) return
    const removed = tools.filter((t) => isDenied(t.name, l)).map((t) => t.name)
    if (kept.length) hub.tools = kept
    else {
      delete hub.tools
      delete hub.parallelToolCalls
    }
    const choice = hub.toolChoice
    if (choice && (!kept.length ? choice.type !== 'none' : choice.type === 'tool' && removed.includes(choice.name))) delete hub.toolChoice
    turn.changed()
    if (turn.rt.log.debugging) turn.rt.log.debug(`tool-access: removed ${removed.join(', ')} from the request of client ${turn.client.name}`)
  },

  answer(turn: AnswerTurn) {
    const l = turn.declaresTools ? listsOf(turn) : undefined
    if (!l) return undefined
    return blockingWatch({
      hold: (s) => isDenied(s.name, l),
      judge: (s) => {
        turn.rt.log.info(`tool-access: blocked a call to ${s.name} in session ${turn.session.id}`)
        return deniedCallText(s.name)
      },
    })
  },
}
