import { GatewayError } from '../hub/errors'
import type { HubMessage, ToolCallPart, ToolResultPart } from '../hub/request'
import type { ProtocolId } from '../protocols/types'
import { canonicalJson } from './guards/canonical'
import { hash64 as hashText } from '../sessions/hash64'
import type { Interceptor, RequestTurn } from './types'

const NAME = 'tool-loop-guard'
/** Identical call + result this many times in a row: the request gets a steering message. */
export const STEER_AT = 7
/** One more and the request is refused with a 409. */
export const STOP_AT = STEER_AT + 1

/** What the guard keeps in `session.data['tool-loop-guard']`. */
interface LoopState {
  /** Hash of the newest turn's calls (name, canonical arguments) and their results. */
  sig: string
  /** How many turns in a row had that signature. */
  count: number
  /** The call ids of the turn last counted: a resent history is not counted again. */
  ids: string
  /** Hash of what followed the calls in that turn: a change means the user stepped in. */
  tail: string
}

/** A cheap sign, in each front end's body, that it carries a tool result. */
const RESULT_MARKER: Record<ProtocolId, string> = {
  'openai-chat': 'tool_call_id',
  anthropic: 'tool_result',
  'openai-responses': 'call_output', // function_call_output, custom_tool_call_output (not max_output_tokens)
  gemini: 'functionResponse',
  'gemini-code-assist': 'functionResponse',
}

const resultText = (r: ToolResultPart) =>
  typeof r.content === 'string' ? r.content : r.content.map((p) => (p.type === 'text' ? p.text : JSON.stringify(p.source))).join('\n')

/**
 * Whether the messages after the assistant's calls carry text a person wrote: a text part beside or after the
 * tool results, other than the reminders Claude Code attaches to them (`<system-reminder>`).
 */
function humanSpoke(messages: HubMessage[], after: number): boolean {
  for (let i = after + 1; i < messages.length; i++) {
    const m = messages[i]!
    if (m.role !== 'user') continue
    for (const p of m.content) if (p.type === 'text' && p.text.trim() && !p.text.trimStart().startsWith('<system-reminder>')) return true
  }
  return false
}

export function steeringText(name: string, count: number): string {
  return (
    `[gateway] You have made the same tool call (${name} with the same arguments) ${count} times in a row and got the same result every time. ` +
    'Repeating it will not change the result: stop and change your approach (other arguments, another tool, or ask the user). ' +
    'If you make the same call once more, the gateway will stop this conversation.'
  )
}

/**
 * Watches the newest turn of each request (the last assistant message's tool
 * calls and the results after it). When the same calls with the same results
 * come STEER_AT times in a row in a session, the request that goes upstream
 * gets a steering text after the results; the next identical turn is refused
 * with a 409 (`conflict`). A history sent again unchanged is not counted again;
 * one where the user wrote after the results (or otherwise added to the newest
 * turn) starts the count over. That needs nothing saved by the refused request:
 * the session is not saved when a request interceptor throws.
 */
export const toolLoopGuard: Interceptor = {
  name: NAME,
  does: 'steers a model that repeats the same tool call with the same result, then stops it with a 409',

  request(turn: RequestTurn) {
    if (!turn.text.includes(RESULT_MARKER[turn.front.id]) || !turn.on(NAME)) return
    const messages = turn.hub().messages
    let a = messages.length - 1
    while (a >= 0 && !(messages[a]!.role === 'assistant' && messages[a]!.content.some((p) => p.type === 'tool_call'))) a--
    if (a < 0) return
    const results = new Map<string, ToolResultPart>()
    let last: HubMessage | undefined
    for (let i = a + 1; i < messages.length; i++)
      for (const p of messages[i]!.content)
        if (p.type === 'tool_result') {
          results.set(p.toolCallId, p)
          last = messages[i]
        }
    const calls = messages[a]!.content.filter((p): p is ToolCallPart => p.type === 'tool_call' && results.has(p.id))
    if (!calls.length || !last) return

    const ids = calls.map((c) => c.id).join(' ')
    const sig = hashText(calls.map((c) => `${c.name}\u0000${canonicalJson(c.arguments)}\u0000${resultText(results.get(c.id)!)}`).join('\u0001'))
    const tail = hashText(JSON.stringify(messages.slice(a + 1)))
    let state = turn.session.data[NAME] as LoopState | undefined
    if (humanSpoke(messages, a)) {
      // The user wrote after the results (say, after a 409): a human step, not a repeat; count from here.
      if (state?.ids !== ids || state.count !== 0) {
        turn.session.data[NAME] = { sig, count: 0, ids, tail } satisfies LoopState
        turn.session.touch()
      }
      return
    }
    if (state && state.ids === ids) {
      if (state.tail !== tail) {
        // The same turn, with something the user added: they stepped in; count from here.
        state = { sig, count: 0, ids, tail }
        turn.session.data[NAME] = state
        turn.session.touch()
        return
      }
    } else {
      state = { sig, count: state && state.sig === sig ? state.count + 1 : 1, ids, tail }
      turn.session.data[NAME] = state
      turn.session.touch()
    }

    const name = calls.length === 1 ? calls[0]!.name : calls.map((c) => c.name).join(' + ')
    if (state.count >= STOP_AT) {
      turn.rt.log.info(`${NAME}: stopped a loop of ${name} calls in session ${turn.session.id} (${state.count} in a row)`)
      throw new GatewayError(
        'conflict',
        `The gateway stopped a tool-call loop: the model made the same ${name} call and got the same result ${state.count} times in a row, ` +
          'even after being told to change its approach. Check what the agent is doing, then send a new message to go on.',
      )
    }
    if (state.count >= STEER_AT) {
      last.content.push({ type: 'text', text: steeringText(name, state.count) })
      turn.changed()
    }
  },
}
