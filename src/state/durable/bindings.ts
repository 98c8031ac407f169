import type {
  Admission, BackendHealth, CircuitPolicy, ClientLimits, HealthReport, SessionRecord, UsageQuery, UsageRecord, UsageRow,
} from '../ports'

/**
 * The Durable Object namespaces the Worker binds (wrangler.toml) and the RPC
 * methods each object answers. Typed here rather than with the Workers types
 * so the core stays on Web-standard types: a stub is what `get(id)` returns,
 * and every method of it answers a promise.
 */
export interface Namespace<Rpc> {
  idFromName(name: string): unknown
  get(id: never): Rpc
}

/** One object per back end (`idFromName(backend)`): its keys, circuits and recent errors. */
export interface HealthRpc {
  read(backend: string): Promise<BackendHealth>
  report(backend: string, reports: HealthReport[], policy: CircuitPolicy): Promise<BackendHealth>
  claimProbe(backend: string, model: string): Promise<boolean>
  reactivate(backend: string): Promise<number>
}

/** One object per client name: its rpm/tpm windows and daily tokens. */
export interface LimitsRpc {
  admit(limits: ClientLimits, estimatedTokens: number): Promise<Admission>
  settle(tokenDelta: number): Promise<void>
  /** The object named AUTH_FAILURES_PREFIX + address: one more invalid key; until when it is refused. */
  authFailure(): Promise<number>
  authSuccess(): Promise<void>
}

/** Limits objects named so count one address's invalid keys (no client name starts with a space). */
export const AUTH_FAILURES_PREFIX = ' auth-failures '

/** One ledger per client name (SQLite). */
export interface UsageRpc {
  record(client: string, records: UsageRecord[]): Promise<void>
  totals(query: UsageQuery): Promise<UsageRow[]>
}

/** One object per session id, deleted by an alarm when its TTL runs out. */
export interface SessionRpc {
  get(owner: string): Promise<SessionRecord | null>
  put(record: SessionRecord, ttlSeconds: number): Promise<void>
  delete(owner: string): Promise<void>
}

/** Named lists (`backends`, `clients`): who has a record, for diagnostics and admin usage totals. */
export interface DirectoryRpc {
  add(name: string): Promise<void>
  list(): Promise<string[]>
}

export interface DurableBindings {
  GATEWAY_HEALTH: Namespace<HealthRpc>
  GATEWAY_LIMITS: Namespace<LimitsRpc>
  GATEWAY_USAGE: Namespace<UsageRpc>
  GATEWAY_SESSIONS: Namespace<SessionRpc>
  GATEWAY_DIRECTORY: Namespace<DirectoryRpc>
}

const NAMES = ['GATEWAY_HEALTH', 'GATEWAY_LIMITS', 'GATEWAY_USAGE', 'GATEWAY_SESSIONS', 'GATEWAY_DIRECTORY'] as const

/** Whether every namespace is bound (else the Worker keeps its state in memory). */
export function hasDurableBindings(env: Record<string, unknown>): env is Record<string, unknown> & DurableBindings {
  return NAMES.every((n) => typeof (env[n] as { idFromName?: unknown } | undefined)?.idFromName === 'function')
}

/** The stub of the object named `name`. */
export const stub = <Rpc>(ns: Namespace<Rpc>, name: string): Rpc => ns.get(ns.idFromName(name) as never)

/** The directory objects' names. */
export const BACKENDS = 'backends'
export const CLIENTS = 'clients'
