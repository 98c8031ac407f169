import type { InteractiveSettings } from '../config/interactive-settings'
import { blockingWatch } from './guards/block-calls'
import { commandOfCall, commandPolicy, isShellTool, isShellToolName, judgeCommand, type CommandPolicy, type Verdict } from './guards/shell-command'
import type { AnswerTurn, Interceptor, RequestTurn } from './types'

const NAME = 'dangerous-command-guard'
/** Blocked calls in a session before its turns are stopped. */
export const BLOCKS_BEFORE_STOP = 3
const MAX_SHOWN = 300

/** What the guard keeps in `session.data['dangerous-command-guard']`. */
interface GuardState {
  blocked: number
  /** Set when the session's turns are stopped; cleared when the user sets the switch. */
  stopped?: boolean
  last?: string
}

const policies = new WeakMap<InteractiveSettings['dangerous'], CommandPolicy>()
const policyOf = (d: InteractiveSettings['dangerous']) => {
  let p = policies.get(d)
  if (!p) policies.set(d, (p = commandPolicy(d)))
  return p
}

const shown = (s: string) => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s)

/** What the client (and so the model) gets in place of a blocked call. */
export function blockedCallText(tool: string, command: string, why: string): string {
  return (
    `[gateway] Blocked: the ${tool} call \`${command}\` was not delivered and did not run, because ${why}. ` +
    'Do not retry it or work around it. If it is really needed, ask the user to run it themselves.'
  )
}

function prefixOf(turn: RequestTurn): string {
  const p = turn.session.data.settings?.['command-prefix']
  return typeof p === 'string' && p ? p : turn.rt.settings.interactive.commands.prefix
}

/**
 * Blocks tool calls of shell-like tools whose command is destructive (see
 * guards/destructive-patterns.ts; config `dangerous_commands:` adds patterns,
 * `allowed_commands:` exempts). The call is held until complete, then
 * delivered or replaced by a text that says why it was blocked. After
 * BLOCKS_BEFORE_STOP blocked calls, the session's turns are answered by the
 * gateway with a stop message until the user sets `dangerous-command-guard`
 * again (`!/set(dangerous-command-guard=true|false)`) or starts a new session.
 */
export const dangerousCommandGuard: Interceptor = {
  name: NAME,
  does: 'blocks shell tool calls that would destroy work (git reset --hard, rm -rf…); stops the session after 3',

  request(turn: RequestTurn) {
    const state = turn.session.data[NAME] as GuardState | undefined
    if (!state?.stopped) return
    const settings = turn.session.data.settings
    if (settings?.[NAME] !== undefined) {
      // The user answered the stop with !/set: their decision, a fresh count.
      turn.session.data[NAME] = { blocked: 0 } satisfies GuardState
      turn.session.touch()
      return
    }
    if (turn.replied !== undefined) return
    const p = prefixOf(turn)
    turn.reply(
      `The gateway has stopped this session: its dangerous-command guard blocked ${state.blocked} destructive commands` +
        (state.last ? ` (the last: \`${state.last}\`)` : '') +
        '. Check what the agent is trying to do before going on. To continue, send ' +
        `\`${p}set(${NAME}=true)\` (keep the guard on) or \`${p}set(${NAME}=false)\` (turn it off for this session), or start a new session.`,
    )
  },

  answer(turn: AnswerTurn) {
    if (!turn.declaresTools || !turn.on(NAME)) return undefined
    const tools = turn.request.tools
    if (!tools?.length) return undefined
    const shell = new Set<string>()
    for (const t of tools) if (isShellTool(t)) shell.add(t.name)
    if (!shell.size) return undefined
    const policy = policyOf(turn.rt.settings.interactive.dangerous)
    return blockingWatch({
      hold: (s) => shell.has(s.name) || isShellToolName(s.name),
      judge: (s, args) => {
        const cmd = commandOfCall(args, s.kind === 'custom')
        const v = cmd && judgeCommand(cmd, policy)
        if (!v) return undefined
        return blocked(turn, s.name, v)
      },
    })
  },
}

function blocked(turn: AnswerTurn, tool: string, v: Verdict): string {
  const redact = (s: string) => turn.rt.redactor?.text(s) ?? s
  const command = shown(redact(v.command))
  const state = (turn.session.data[NAME] as GuardState | undefined) ?? { blocked: 0 }
  state.blocked++
  state.last = command
  if (state.blocked >= BLOCKS_BEFORE_STOP && !state.stopped) {
    state.stopped = true
    // A switch set before the stop is not an answer to it: only one set after it lifts the stop.
    const settings = turn.session.data.settings
    if (settings && NAME in settings) delete settings[NAME]
  }
  turn.session.data[NAME] = state
  turn.session.touch()
  turn.rt.log.info(`${NAME}: blocked a ${tool} call in session ${turn.session.id} (${state.blocked} so far): ${command}: ${v.reason}`)
  return blockedCallText(tool, command, v.reason)
}
