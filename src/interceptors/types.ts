import type { SwitchName } from '../config/interactive-settings'
import type { HubRequest } from '../hub/request'
import type { HubStreamEvent } from '../hub/stream'
import type { Protocol } from '../protocols/types'
import type { ClientIdentity } from '../routes/types'
import type { Overrides } from '../routing/selector-params'
import type { Emit } from '../streams/stage'
import type { Runtime } from '../gateway/runtime'

/**
 * The interactive layer is a list of interceptors (src/interceptors/index.ts),
 * one file per behaviour. Each may look at the client's request before routing
 * (`request`) and may watch the answer on its way back (`answer`). `generate`
 * runs the list; it knows no feature by name.
 */
export interface Interceptor {
  /** Its name in logs, the README and `!/session`. */
  readonly name: string
  /** One line: what it does and when. */
  readonly does: string
  /**
   * Sees the client's request (and the session) before routing. It may change
   * the request (`turn.hub()` then `turn.changed()`), steer routing
   * (`turn.model`, `turn.overrides`), answer the client itself (`turn.reply`),
   * or refuse it by throwing a GatewayError. Cheap when it has nothing to do:
   * look at `turn.text` / `turn.body` before decoding with `turn.hub()`.
   */
  request?(turn: RequestTurn): void | Promise<void>
  /**
   * A watch over this exchange's answer, or undefined when there is nothing to
   * watch (switched off, no tools declared…). No watch, no cost: an answer that
   * no interceptor watches is passed through or translated as before.
   */
  answer?(turn: AnswerTurn): AnswerWatch | undefined
}

/** What a session holds between requests; plain JSON. Each interceptor keeps its own counters under its name. */
export interface SessionData {
  /**
   * Values set by `!/set(k=v)` and the shortcut commands, by `!/set` name:
   * `model`, `backend` (selectors), `temperature`, `top-p`, `max-tokens`,
   * `reasoning-effort`, `thinking-budget` (numbers / strings), `command-prefix`,
   * and the switches (`loop-detection`, `tool-repair`, …: booleans).
   */
  settings?: Record<string, string | number | boolean>
  /** `!/oneoff(backend:model)`: the next request's selector, then gone. */
  oneoff?: string
  /** Failover routes created in this session: they serve as model names in it. */
  routes?: Record<string, { policy: 'k' | 'm' | 'km' | 'mk'; elements: string[] }>
  [interceptor: string]: unknown
}

export interface Session {
  /** The gateway's id for it (sent back in `x-b2bua-session-id`). */
  readonly id: string
  /** Where the id came from: `header`, `claude-code`, `codex`, `openai-user`, `gemini-cli`, `fingerprint`. */
  readonly source: string
  data: SessionData
  /** Marks the session changed: it is saved after the exchange (never before the answer starts). */
  touch(): void
}

/** What every turn (request or answer) can read. */
interface TurnBase {
  readonly rt: Runtime
  readonly front: Protocol
  readonly client: ClientIdentity
  readonly session: Session
  /** A switch: the session's `!/set` value, else the setting (env / config). */
  on(name: SwitchName): boolean
  /** Something the client should know (`x-gateway-warnings` on a finished answer, the log for a stream). */
  warn(message: string): void
}

export interface RequestTurn extends TurnBase {
  readonly headers: Headers
  /** The client's body as parsed, and as sent: for cheap checks before decoding. */
  readonly body: Record<string, unknown>
  readonly text: string
  /** The request in hub form, decoded on first use (the same object every call). */
  hub(): HubRequest
  /** The hub request was changed: it is encoded anew for every back end (the client's bytes are not passed through). */
  changed(): void
  /** The model selector routing will use: the client's, unless an interceptor sets another (FORCE_MODEL still wins). */
  model: string
  /** How routing chose `model` when an interceptor set it (`oneoff`, `session`), for `x-gateway-route`. */
  modelVia?: string
  /** Applied to the request on every attempt, over selector parameters (session overrides). */
  overrides: Overrides
  /** Answer the client with this assistant text, in its protocol and stream mode; no upstream call. The interceptors after this one do not run. */
  reply(text: string): void
  /** The reply given so far, if any. */
  readonly replied: string | undefined
}

export interface AnswerTurn extends TurnBase {
  /** The request as the back end got it, decoded on first use: check the flags below first, they cost nothing. */
  readonly request: HubRequest
  /** The request declares at least one tool (read from the client's body, without decoding it). */
  readonly declaresTools: boolean
  /** The client asked for a JSON answer (response_format, text.format, responseMimeType/responseSchema, output_format). */
  readonly wantsJson: boolean
  /** `backend:model` of the attempt that answered. */
  readonly route: string
  /** The answer is a stream (a finished answer is watched as the events it would have streamed). */
  readonly stream: boolean
}

/**
 * One interceptor's watch over one answer: hub events in, hub events out, in
 * order. Passing an event on unchanged means emitting the same object; the
 * gateway then forwards the upstream's own bytes for it (pass-through). Holding
 * events (a tool call until it is complete) means emitting them later; emitting
 * a new object, or leaving one out, changes the answer, and from there the
 * client's answer is encoded from the events. Emitting `finish` (or `error`)
 * ends the answer: the upstream is let go. A finished (non-streaming) answer goes
 * through the same watch as the events that would have streamed it.
 */
export interface AnswerWatch {
  event(e: HubStreamEvent, out: Emit<HubStreamEvent>): void
  /** The upstream ended without a finish event reaching the watch (cut, error): release or drop what is held. */
  end?(out: Emit<HubStreamEvent>): void
}
