import type { HubRequest } from '../hub/request'
import type { Protocol, RequestHints } from '../protocols/types'
import type { ClientIdentity } from '../routes/types'
import type { Overrides } from '../routing/selector-params'
import type { Runtime } from '../gateway/runtime'
import { switchOn } from './switch-value'
import type { Interceptor, RequestTurn, Session } from './types'

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

/** Runs the list's request interceptors in order (first to last); stops after one replies. */
export async function runRequestInterceptors(list: readonly Interceptor[], i: RequestInput): Promise<RequestOutcome> {
  let hub: HubRequest | undefined
  let changed = false
  let replied: string | undefined
  const warnings: string[] = []
  const turn: RequestTurn = {
    rt: i.rt,
    front: i.front,
    client: i.client,
    session: i.session,
    headers: i.headers,
    body: i.body,
    text: i.text,
    hub: () => (hub ??= i.front.decodeRequest(i.body, i.hints)),
    changed: () => void (changed = true),
    model: i.model,
    overrides: {},
    reply: (text) => void (replied = replied === undefined ? text : `${replied}\n\n${text}`),
    get replied() {
      return replied
    },
    on: (name) => switchOn(i.rt.settings, i.session.data, name),
    warn: (m) => void warnings.push(m),
  }
  for (const interceptor of list) {
    if (!interceptor.request) continue
    const done = interceptor.request(turn)
    if (done) await done
    if (replied !== undefined) break
  }
  return { model: turn.model, modelVia: turn.modelVia, overrides: turn.overrides, hub, changed, reply: replied, warnings }
}
