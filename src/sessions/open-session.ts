import type { Runtime } from '../gateway/runtime'
import type { Session, SessionData } from '../interceptors/types'
import type { ProtocolId } from '../protocols/types'
import type { SessionRecord } from '../state/ports'
import { gatewaySessionId, identifySession } from './identify-session'

/**
 * A session as one request holds it: read once, saved (through `defer`) when
 * something changed it. Only a session with something to remember is stored:
 * a fresh one that nothing changes costs one read and no write. A stored one is
 * written again when it changes, and otherwise once a quarter of SESSION_TTL_S
 * has passed, so an active session does not expire.
 */
export class OpenSession implements Session {
  data: SessionData
  private dirty = false
  private savedAt: number | undefined

  constructor(
    readonly id: string,
    readonly source: string,
    private readonly owner: string,
    record: SessionRecord | null,
    private readonly rt: Runtime,
    private readonly defer: (work: Promise<unknown>) => void,
  ) {
    this.data = (record?.data ?? {}) as SessionData
    this.savedAt = record?.updatedAt
  }

  touch(): void {
    this.dirty = true
  }

  /** Saves it if it changed since the last save (or is due a refresh of its expiry); never throws. */
  save(): void {
    const now = Date.now()
    const ttlS = this.rt.settings.interactive.sessionTtlS
    const due = this.savedAt !== undefined && now - this.savedAt > (ttlS * 1000) / 4
    if (!this.dirty && !due) return
    this.dirty = false
    this.savedAt = now
    this.defer(
      this.rt.state.sessions.put(this.id, { owner: this.owner, data: this.data, updatedAt: now }, ttlS).catch((err: Error) => {
        this.rt.log.error(`session ${this.id}: could not be saved (${err.message})`)
      }),
    )
  }
}

/** The session a request belongs to (src/sessions/identify-session.ts says how it is recognised), read from the state port. */
export async function openSession(
  rt: Runtime,
  front: ProtocolId,
  headers: Headers,
  body: Record<string, unknown>,
  owner: string,
  defer: (work: Promise<unknown>) => void,
): Promise<OpenSession> {
  const { key, source } = identifySession(front, headers, body, owner)
  const id = gatewaySessionId(owner, source, key)
  let record: SessionRecord | null = null
  try {
    record = await rt.state.sessions.get(id, owner)
  } catch (err) {
    rt.log.error(`session ${id}: could not be read (${(err as Error).message}); going on without its state`)
  }
  return new OpenSession(id, source, owner, record, rt, defer)
}
