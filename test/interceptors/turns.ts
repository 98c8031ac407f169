import { loadSettings } from '../../src/config/settings'
import type { ConfigFile } from '../../src/config/config-file'
import type { SwitchName } from '../../src/config/interactive-settings'
import type { Runtime } from '../../src/gateway/runtime'
import type { HubRequest } from '../../src/hub/request'
import type { HubStreamEvent } from '../../src/hub/stream'
import type { AnswerTurn, AnswerWatch, RequestTurn, Session, SessionData } from '../../src/interceptors/types'
import { PROTOCOLS } from '../../src/protocols'
import type { ProtocolId } from '../../src/protocols/types'
import { memoryState } from '../../src/state/memory-state'

/** A runtime with just what interceptors read: settings, state, a log that records. */
export function fakeRuntime(env: Record<string, string> = {}, config: ConfigFile = {}) {
  const logs: string[] = []
  const settings = loadSettings(env, config)
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m), debug: () => {}, debugging: false }
  const rt = { settings, state: memoryState(), log, redactor: undefined } as unknown as Runtime
  return { rt, logs }
}

export function fakeSession(data: SessionData = {}, id = 'sess-1'): Session & { touched: number } {
  const s = { id, source: 'header', data, touched: 0, touch: () => void s.touched++ }
  return s
}

export interface FakeRequestTurn extends RequestTurn {
  warnings: string[]
  wasChanged: boolean
}

/**
 * A request turn over a client body in a front end's protocol, as the runner builds it
 * (src/interceptors/run-request.ts builds the real one the same way).
 */
export function requestTurn(
  front: ProtocolId,
  body: Record<string, unknown>,
  o: { rt?: Runtime; session?: Session; headers?: Record<string, string>; client?: { name: string; limits: {} } } = {},
): FakeRequestTurn {
  const rt = o.rt ?? fakeRuntime().rt
  const session = o.session ?? fakeSession()
  let hub: HubRequest | undefined
  let replied: string | undefined
  const turn: FakeRequestTurn = {
    rt,
    front: PROTOCOLS[front],
    client: o.client ?? { name: 'anonymous', limits: {} },
    session,
    headers: new Headers(o.headers ?? {}),
    body,
    text: JSON.stringify(body),
    hub: () => (hub ??= PROTOCOLS[front].decodeRequest(body)),
    changed: () => void (turn.wasChanged = true),
    model: typeof body.model === 'string' ? body.model : '',
    overrides: {},
    reply: (text: string) => void (replied = replied === undefined ? text : `${replied}\n\n${text}`),
    get replied() {
      return replied
    },
    on: (name: SwitchName) => {
      const v = session.data.settings?.[name]
      return typeof v === 'boolean' ? v : rt.settings.interactive.switches[name]
    },
    warn: (m: string) => void turn.warnings.push(m),
    warnings: [],
    wasChanged: false,
  }
  return turn
}

export function answerTurn(request: HubRequest, o: { rt?: Runtime; session?: Session; stream?: boolean; front?: ProtocolId } = {}): AnswerTurn & { warnings: string[] } {
  const rt = o.rt ?? fakeRuntime().rt
  const session = o.session ?? fakeSession()
  const warnings: string[] = []
  return {
    rt,
    front: PROTOCOLS[o.front ?? 'openai-chat'],
    client: { name: 'anonymous', limits: {} },
    session,
    request,
    declaresTools: Boolean(request.tools?.length),
    wantsJson: request.responseFormat !== undefined && request.responseFormat.type !== 'text',
    route: 'openai:gpt-4.1',
    stream: o.stream ?? true,
    on: (name) => {
      const v = session.data.settings?.[name]
      return typeof v === 'boolean' ? v : rt.settings.interactive.switches[name]
    },
    warn: (m) => void warnings.push(m),
    warnings,
  }
}

/** Feeds events through a watch (one at a time, as a stream would) and returns what came out. */
export function runWatch(watch: AnswerWatch, events: HubStreamEvent[]): HubStreamEvent[] {
  const out: HubStreamEvent[] = []
  const emit = { enqueue: (e: HubStreamEvent) => void out.push(e) }
  for (const e of events) watch.event(e, emit)
  if (!out.some((e) => e.type === 'finish' || e.type === 'error')) watch.end?.(emit)
  return out
}

/** A minimal hub request with the given tools. */
export function hubRequest(over: Partial<HubRequest> = {}): HubRequest {
  return { model: 'openai:gpt-4.1', system: [], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: true, ...over }
}
