/**
 * The gateway's state, behind small ports chosen at the edge: Durable Objects
 * on Workers, memory (persisted under STATE_DIR when set) on Node and Deno.
 * Every implementation passes the same contract tests (test/state/).
 *
 * A key is never stored: state names it by `keyId` (a fingerprint, see
 * key-id.ts) and shows only its last 4 characters (`hint`).
 */

/** Why an attempt failed, as far as what to do next is concerned. */
export type FailureKind =
  | 'rate_limited' // 429: cool the key, try another key
  | 'auth' // 401, 402, 403 on the gateway's key: retire the key, try another key
  | 'context_window' // the prompt does not fit: try the next failover entry
  | 'server' // 5xx
  | 'timeout' // no answer (or no first byte) in time
  | 'network' // connection refused, reset, DNS
  | 'cut' // the upstream ended or broke before the answer's first byte
  | 'client' // any other 4xx: the client's fault, returned as it is
  | 'refused' // the gateway itself will not call this back end here (a CLI login in multi-user mode or on a Worker, a refused address): the next failover entry; nothing recorded against the back end

// ---------------------------------------------------------------- health: keys and circuits, one record per back end

export type KeyCondition =
  | { state: 'cooling'; until: number; reason: string; hint: string }
  | { state: 'disabled'; since: number; reason: string; hint: string }

export interface CircuitCondition {
  /** `open` until `until`; past it, one probe request may go (`claimProbe`). */
  state: 'closed' | 'open'
  /** Failure times inside the window (ms). */
  failures: number[]
  until?: number
  /** A probe is out (ms since epoch when it was claimed). */
  probing?: number
}

export interface RecentError {
  at: number
  model: string
  kind: FailureKind
  status?: number
  /** `…abcd`, when a key was involved. */
  key?: string
  message: string
}

/** What one back end's record holds: only keys and circuits that are not plainly healthy. */
export interface BackendHealth {
  keys: Record<string, KeyCondition>
  circuits: Record<string, CircuitCondition>
  recentErrors: RecentError[]
}

export type HealthReport =
  | { type: 'cool'; keyId: string; hint: string; until: number; reason: string }
  | { type: 'retire'; keyId: string; hint: string; reason: string }
  | { type: 'failure'; model: string; kind: FailureKind; status?: number; hint?: string; message: string }
  | { type: 'success'; model: string }

export interface CircuitPolicy {
  /** Failures inside `windowMs` that open the circuit. */
  failures: number
  windowMs: number
  /** How long an open circuit is skipped before one probe may go. */
  openMs: number
}

export interface HealthState {
  /** One back end's record (on Workers, one Durable Object round trip; read several in parallel). */
  read(backend: string): Promise<BackendHealth>
  /** Applies what an attempt saw; the record that results is returned. */
  report(backend: string, reports: HealthReport[], policy: CircuitPolicy): Promise<BackendHealth>
  /** An open circuit past its time lets exactly one caller probe it: true for that caller. */
  claimProbe(backend: string, model: string): Promise<boolean>
  /** Brings every retired key back (and cooling ones); says how many. */
  reactivate(backend: string): Promise<number>
  /** Every back end with a record (diagnostics). */
  list(): Promise<string[]>
}

// ---------------------------------------------------------------- client limits

export interface ClientLimits {
  rpm?: number
  tpm?: number
  dailyTokens?: number
}

export type Admission =
  | { ok: true }
  | { ok: false; limit: 'rpm' | 'tpm' | 'daily_tokens'; retryAfterS: number; used: number; allowed: number }

export interface LimitState {
  /**
   * Counts one request and its estimated input tokens for `client`, unless that
   * would go over a limit: then nothing is counted and the answer says which
   * limit and when to retry. Atomic under concurrent requests.
   */
  admit(client: string, limits: ClientLimits, estimatedTokens: number): Promise<Admission>
  /** Adds what the upstream really used beyond the estimate (may be negative). */
  settle(client: string, tokenDelta: number): Promise<void>
}

// ---------------------------------------------------------------- usage

export interface UsageRecord {
  /** ms since epoch. */
  at: number
  /** The client's name, never its key. */
  client: string
  session?: string
  frontEnd: string
  backend: string
  model: string
  /** `backend:model` of each attempt, in order. */
  attempts: string[]
  status: number
  inputTokens: number
  outputTokens: number
  cachedInputTokens: number
  reasoningTokens: number
  ttfbMs?: number
  totalMs: number
  /** null where the model table has no prices. */
  costUsd: number | null
}

export type UsageGroup = 'client' | 'backend' | 'model' | 'day'

export interface UsageQuery {
  /** ms since epoch; records at or after it. */
  since?: number
  /** Only this client's records (a client key sees its own). */
  client?: string
  groupBy: UsageGroup
}

export interface UsageRow {
  group: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cached_input_tokens: number
  reasoning_tokens: number
  cost_usd: number | null
}

export interface UsageLedger {
  record(records: UsageRecord[]): Promise<void>
  totals(query: UsageQuery): Promise<UsageRow[]>
}

// ---------------------------------------------------------------- sessions (the interactive layer fills them)

export interface SessionRecord {
  /** The client name that owns it: another client never reaches it. */
  owner: string
  /** Overrides set by commands, route tables, loop and guard counters. */
  data: Record<string, unknown>
  /** ms since epoch. */
  updatedAt: number
}

export interface SessionStore {
  /** The session, unless it expired or belongs to another owner. */
  get(id: string, owner: string): Promise<SessionRecord | null>
  put(id: string, record: SessionRecord, ttlSeconds: number): Promise<void>
  delete(id: string, owner: string): Promise<void>
}

// ---------------------------------------------------------------- invalid client keys, per address (src/access/)

export interface AuthFailureState {
  /**
   * Counts one invalid key from `address` (an IP address); answers until when the address is
   * refused (ms since epoch; 0 or a past time: not yet). Rules: src/state/auth-failures.ts.
   */
  fail(address: string): Promise<number>
  /** A valid key from `address`: its count is forgotten, unless its wait has not passed yet. */
  succeed(address: string): Promise<void>
}

/** Everything, chosen once per environment. */
export interface GatewayState {
  health: HealthState
  limits: LimitState
  usage: UsageLedger
  sessions: SessionStore
  /** Invalid client keys per address (memory when an implementation has none). */
  authFailures?: AuthFailureState
}
