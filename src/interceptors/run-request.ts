import type { HubRequest } from '../hub/request'
import type { Protocol, RequestHints } from '../protocols/types'
import type { ClientIdentity } from '../routes/types'
import type { Overrides } from '../routing/selector-params'
import type { Runtime } from '../gateway/runtime'
import { switchOn } from './switch-value'
import type { Interceptor, RequestTurn, Session } from './types'
import type { SwitchName } from '../config/interactive-settings'

/** What the request interceptors decided. */
export interface RequestOutcome {
  /** The model selector to route by. */
  model: string
  modelVia?: string
  /** Over selector parameters, on every attempt. */
  overrides: Overrides
  /** The decoded request, when an interceptor decoded it (reused by the attempts)… */
  hub?: HubRequest
  /** …and whether one changed it (then it is encoded anew, not passed through). */
  changed: boolean
  /** The gateway answers this itself: no upstream call. */
  reply?: string
  warnings: string[]
}

export interface RequestInput {
  rt: Runtime
  front: Protocol
  client: ClientIdentity
  session: Session
  headers: Headers
  body: Record<string, unknown>
  text: string
  hints?: RequestHints
  model: string
}

/** One request's turn through the list: plain fields and prototype methods, nothing allocated per call. */
class Turn implements RequestTurn {
  readonly rt: Runtime
  readonly front: Protocol
  readonly client: ClientIdentity
  readonly session: Session
  readonly headers: Headers
  readonly body: Record<string, unknown>
  readonly text: string
  model: string
  modelVia?: string
  overrides: Overrides = {}
  decoded?: HubRequest
  wasChanged = false
  replied: string | undefined = undefined
  warnings: string[] = []
  private readonly hints?: RequestHints

  constructor(i: RequestInput) {
    this.rt = i.rt
    this.front = i.front
    this.client = i.client
    this.session = i.session
    this.headers = i.headers
    this.body = i.body
    this.text = i.text
    this.hints = i.hints
    this.model = i.model
  }

  hub(): HubRequest {
    return (this.decoded ??= this.front.decodeRequest(this.body, this.hints))
  }
  changed(): void {
    this.wasChanged = true
  }
  reply(text: string): void {
    this.replied = this.replied === undefined ? text : `${this.replied}\n\n${text}`
  }
  on(name: SwitchName): boolean {
    return switchOn(this.rt.settings, this.session.data, name)
  }
  warn(message: string): void {
    this.warnings.push(message)
  }
}

/** Runs the list's request interceptors in order (first to last); stops after one replies. */
export async function runRequestInterceptors(list: readonly Interceptor[], i: RequestInput): Promise<RequestOutcome> {
  const turn = new Turn(i)
  for (const interceptor of list) {
    if (!interceptor.request) continue
    const done = interceptor.request(turn)
    if (done) await done
    if (turn.replied !== undefined) break
  }
  return { model: turn.model, modelVia: turn.modelVia, overrides: turn.overrides, hub: turn.decoded, changed: turn.wasChanged, reply: turn.replied, warnings: turn.warnings }
}
