import type { Runtime } from '../gateway/runtime'
import type { Session, SessionData } from '../interceptors/types'
import type { ProtocolId } from '../protocols/types'
import type { SessionRecord } from '../state/ports'
import { gatewaySessionId, identifySession } from './identify-session'

/** A session as one request holds it: read once, saved (through `defer`) when something changed it. */
export interface OpenSession extends Session {
  /** Saves it if it changed since the last save (or is due a refresh of its expiry); never throws. */
  save(): void
}

/**
 * The session a request belongs to (src/sessions/identify-session.ts says how
 * it is recognised), read from the state port. Only a session with something to
 * remember is stored: a fresh one that nothing changes costs one read and no
 * write. A stored one is written again when it changes, and otherwise once a
 * quarter of SESSION_TTL_S has passed, so an active session does not expire.
 */
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
  const ttlS = rt.settings.interactive.sessionTtlS
  let dirty = false
  let savedAt = record?.updatedAt
  const session: OpenSession = {
    id,
    source,
    data: (record?.data ?? {}) as SessionData,
    touch() {
      dirty = true
    },
    save() {
      const now = Date.now()
      const due = savedAt !== undefined && now - savedAt > (ttlS * 1000) / 4
      if (!dirty && !due) return
      dirty = false
      savedAt = now
      defer(
        rt.state.sessions.put(id, { owner, data: session.data, updatedAt: now }, ttlS).catch((err: Error) => {
          rt.log.error(`session ${id}: could not be saved (${err.message})`)
        }),
      )
    },
  }
  return session
}
