import { DurableObject } from 'cloudflare:workers'
import type { SessionRecord } from '../ports'
import type { DurableBindings, SessionRpc } from './bindings'

interface Stored {
  record: SessionRecord
  expires: number
}

/**
 * One session (`idFromName(id)`), owned by one client, as MemorySessions: a
 * read past the expiry sees nothing, and an alarm set at the expiry deletes
 * the object's storage so finished sessions do not pile up.
 */
export class SessionObject extends DurableObject<DurableBindings> implements SessionRpc {
  private session?: Stored | null

  private get stored(): Stored | null {
    if (this.session === undefined) this.session = this.ctx.storage.kv.get<Stored>('session') ?? null
    return this.session
  }

  async get(owner: string): Promise<SessionRecord | null> {
    const s = this.stored
    if (!s) return null
    if (s.expires <= Date.now()) {
      await this.clear()
      return null
    }
    return s.record.owner === owner ? s.record : null
  }

  async put(record: SessionRecord, ttlSeconds: number): Promise<void> {
    const s = this.stored
    // One client cannot take over another's session id.
    if (s && s.expires > Date.now() && s.record.owner !== record.owner) return
    this.session = { record, expires: Date.now() + ttlSeconds * 1000 }
    this.ctx.storage.kv.put('session', this.session)
    await this.ctx.storage.setAlarm(this.session.expires)
  }

  async delete(owner: string): Promise<void> {
    if (this.stored?.record.owner === owner) await this.clear()
  }

  /** The expiry: gone, unless a later `put` moved it on (then the alarm is set again). */
  async alarm(): Promise<void> {
    const s = this.stored
    if (s && s.expires > Date.now()) await this.ctx.storage.setAlarm(s.expires)
    else await this.clear()
  }

  private async clear(): Promise<void> {
    this.session = null
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
  }
}
