import { DurableObject } from 'cloudflare:workers'
import { admit, emptyCounters, settle, type LimitCounters } from '../../resilience/rate-window'
import type { Admission, ClientLimits } from '../ports'
import { clearedBySuccess, emptyAuthRecord, noteAuthFailure, type AuthFailureRecord } from '../auth-failures'
import type { DurableBindings, LimitsRpc } from './bindings'

/** How long counters may wait before they are written (one write covers every change in it). */
export const LIMITS_WRITE_DELAY_MS = 500

/**
 * One client's limit counters (`idFromName(client)`), under the same rules as
 * memory (rate-window.ts). Each call reads, decides and changes the counters
 * with no `await` in between, so admissions are atomic however many requests
 * arrive at once: the object's memory is the truth while it lives.
 *
 * Storage is written at most every LIMITS_WRITE_DELAY_MS, from a timer: a
 * write holds back the object's answers until it is confirmed (the output
 * gate), which measured ~1 ms per call under workerd (bench/state-roundtrip.ts),
 * on every admission of the request path. Writing after the answer, coalesced,
 * costs that once per delay instead; a crash loses at most that much counting.
 */
export class ClientLimitsObject extends DurableObject<DurableBindings> implements LimitsRpc {
  private counters?: LimitCounters
  private writing?: ReturnType<typeof setTimeout>

  private of(now: number): LimitCounters {
    return (this.counters ??= this.ctx.storage.kv.get<LimitCounters>('counters') ?? emptyCounters(now))
  }

  private changed(): void {
    this.writing ??= setTimeout(() => {
      this.writing = undefined
      this.ctx.storage.kv.put('counters', this.counters)
    }, LIMITS_WRITE_DELAY_MS)
  }

  async admit(limits: ClientLimits, estimatedTokens: number): Promise<Admission> {
    const now = Date.now()
    const answer = admit(this.of(now), limits, estimatedTokens, now)
    if (answer.ok) this.changed()
    return answer
  }

  async settle(tokenDelta: number): Promise<void> {
    const now = Date.now()
    settle(this.of(now), tokenDelta, now)
    this.changed()
  }

  // One object per address (`idFromName(AUTH_FAILURES_PREFIX + address)`) counts its invalid keys:
  // written at once (failures are rare, and the count must survive an eviction).

  async authFailure(): Promise<number> {
    const rec = this.ctx.storage.kv.get<AuthFailureRecord>('auth-failures') ?? emptyAuthRecord()
    const until = noteAuthFailure(rec, Date.now())
    this.ctx.storage.kv.put('auth-failures', rec)
    return until
  }

  async authSuccess(): Promise<void> {
    const rec = this.ctx.storage.kv.get<AuthFailureRecord>('auth-failures')
    if (rec && clearedBySuccess(rec, Date.now())) this.ctx.storage.kv.delete('auth-failures')
  }
}
