import type { AuthFailureState } from './ports'

/**
 * Invalid client keys from one address: after `failures` of them inside `windowMs`, the address
 * is refused (429) for `firstWaitMs`, and every further invalid key doubles the wait, up to
 * `maxWaitMs`. A valid key forgets the count, but not while a wait is still running.
 */
export const AUTH_FAILURE_POLICY = { failures: 5, windowMs: 15 * 60_000, firstWaitMs: 60_000, maxWaitMs: 60 * 60_000 }

export interface AuthFailureRecord {
  /** The latest failure times (ms), at most `failures` of them. */
  times: number[]
  /** Refused until then (ms since epoch); 0 when not. */
  until: number
  /** Waits given so far in this run of failures (the next one is firstWaitMs × 2^strikes). */
  strikes: number
}

export const emptyAuthRecord = (): AuthFailureRecord => ({ times: [], until: 0, strikes: 0 })

/** Applies one failure at `now` (changes `rec`); answers its `until`. */
export function noteAuthFailure(rec: AuthFailureRecord, now: number, policy = AUTH_FAILURE_POLICY): number {
  const times = rec.times.filter((t) => t > now - policy.windowMs)
  times.push(now)
  while (times.length > policy.failures) times.shift()
  rec.times = times
  if (rec.until > now || times.length >= policy.failures) {
    rec.until = now + Math.min(policy.firstWaitMs * 2 ** rec.strikes, policy.maxWaitMs)
    rec.strikes = Math.min(rec.strikes + 1, 30)
  } else if (rec.until <= now) rec.strikes = 0
  return rec.until
}

/** Whether a success at `now` clears the record (its wait has passed). */
export const clearedBySuccess = (rec: AuthFailureRecord, now: number) => rec.until <= now

/** Records stale past the window and the longest wait: none of their failures still counts. */
const stale = (rec: AuthFailureRecord, now: number, policy = AUTH_FAILURE_POLICY) =>
  rec.until <= now && (rec.times.at(-1) ?? 0) <= now - policy.windowMs

/** In this process (Node, Deno, a Worker without Durable Objects). */
export class MemoryAuthFailures implements AuthFailureState {
  private readonly records = new Map<string, AuthFailureRecord>()

  async fail(address: string): Promise<number> {
    const now = Date.now()
    let rec = this.records.get(address)
    if (!rec) {
      // A flood of addresses cannot grow the map without end: the stale ones go first.
      if (this.records.size >= 10_000) for (const [a, r] of this.records) if (stale(r, now)) this.records.delete(a)
      if (this.records.size >= 10_000) this.records.delete(this.records.keys().next().value!)
      this.records.set(address, (rec = emptyAuthRecord()))
    }
    return noteAuthFailure(rec, now)
  }

  async succeed(address: string): Promise<void> {
    const rec = this.records.get(address)
    if (rec && clearedBySuccess(rec, Date.now())) this.records.delete(address)
  }
}
