import { MemoryAuthFailures } from './auth-failures'
import { applyReports, claimProbe, emptyHealth, prune, reactivate } from '../resilience/health-book'
import { admit, emptyCounters, settle, type LimitCounters } from '../resilience/rate-window'
import { sumUsage } from '../resilience/usage-totals'
import type {
  BackendHealth, CircuitPolicy, ClientLimits, GatewayState, HealthReport, HealthState, LimitState,
  SessionRecord, SessionStore, UsageLedger, UsageQuery, UsageRecord,
} from './ports'

/**
 * State in this process (Node, Deno, or a Worker without bindings). Every call
 * is answered at once; the file-backed versions (STATE_DIR) extend these.
 * Reads hand out copies, so a caller cannot change the record by accident.
 */
export class MemoryHealth implements HealthState {
  protected readonly records = new Map<string, BackendHealth>()

  protected record(backend: string): BackendHealth {
    let h = this.records.get(backend)
    if (!h) this.records.set(backend, (h = emptyHealth()))
    return h
  }

  /** Called after every change (the file store writes then). */
  protected changed(_backend: string): void {}

  async read(backend: string): Promise<BackendHealth> {
    const h = this.records.get(backend)
    return h ? structuredClone(prune(h, Date.now())) : emptyHealth()
  }

  async report(backend: string, reports: HealthReport[], policy: CircuitPolicy): Promise<BackendHealth> {
    const h = applyReports(this.record(backend), reports, policy, Date.now())
    this.changed(backend)
    return structuredClone(h)
  }

  async claimProbe(backend: string, model: string): Promise<boolean> {
    const got = claimProbe(this.record(backend), model, Date.now())
    this.changed(backend)
    return got
  }

  async reactivate(backend: string): Promise<number> {
    const n = reactivate(this.record(backend))
    this.changed(backend)
    return n
  }

  async list(): Promise<string[]> {
    return [...this.records.keys()]
  }
}

export class MemoryLimits implements LimitState {
  protected readonly counters = new Map<string, LimitCounters>()

  private of(client: string, now: number): LimitCounters {
    let c = this.counters.get(client)
    if (!c) this.counters.set(client, (c = emptyCounters(now)))
    return c
  }

  async admit(client: string, limits: ClientLimits, estimatedTokens: number) {
    const now = Date.now()
    return admit(this.of(client, now), limits, estimatedTokens, now)
  }

  async settle(client: string, tokenDelta: number) {
    const now = Date.now()
    settle(this.of(client, now), tokenDelta, now)
  }
}

/** Usage records in memory, the oldest dropped past `maxRecords`. */
export class MemoryUsage implements UsageLedger {
  protected records: UsageRecord[] = []

  constructor(private readonly maxRecords = 200_000) {}

  async record(records: UsageRecord[]) {
    this.records.push(...records)
    if (this.records.length > this.maxRecords) this.records.splice(0, this.records.length - this.maxRecords)
  }

  async totals(query: UsageQuery) {
    return sumUsage(this.records, query)
  }
}

export class MemorySessions implements SessionStore {
  protected readonly sessions = new Map<string, { record: SessionRecord; expires: number }>()

  async get(id: string, owner: string) {
    const s = this.sessions.get(id)
    if (!s) return null
    if (s.expires <= Date.now()) {
      this.sessions.delete(id)
      return null
    }
    return s.record.owner === owner ? structuredClone(s.record) : null
  }

  async put(id: string, record: SessionRecord, ttlSeconds: number) {
    const s = this.sessions.get(id)
    // One client cannot take over another's session id.
    if (s && s.expires > Date.now() && s.record.owner !== record.owner) return
    this.sessions.set(id, { record: structuredClone(record), expires: Date.now() + ttlSeconds * 1000 })
  }

  async delete(id: string, owner: string) {
    if (this.sessions.get(id)?.record.owner === owner) this.sessions.delete(id)
  }
}

export const memoryState = (): GatewayState => ({
  health: new MemoryHealth(),
  limits: new MemoryLimits(),
  usage: new MemoryUsage(),
  sessions: new MemorySessions(),
  authFailures: new MemoryAuthFailures(),
})
