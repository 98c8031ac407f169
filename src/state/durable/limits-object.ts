import { DurableObject } from 'cloudflare:workers'
import { admit, emptyCounters, settle, type LimitCounters } from '../../resilience/rate-window'
import type { Admission, ClientLimits } from '../ports'
import type { DurableBindings, LimitsRpc } from './bindings'

/**
 * One client's limit counters (`idFromName(client)`), under the same rules as
 * memory (rate-window.ts). Each call reads, decides and writes with no `await`
 * in between, so admissions are atomic however many requests arrive at once.
 * The counters stay in memory and are written back on every change (the
 * day's tokens must survive the object being evicted).
 */
export class ClientLimitsObject extends DurableObject<DurableBindings> implements LimitsRpc {
  private counters?: LimitCounters

  private of(now: number): LimitCounters {
    return (this.counters ??= this.ctx.storage.kv.get<LimitCounters>('counters') ?? emptyCounters(now))
  }

  async admit(limits: ClientLimits, estimatedTokens: number): Promise<Admission> {
    const now = Date.now()
    const c = this.of(now)
    const answer = admit(c, limits, estimatedTokens, now)
    if (answer.ok) this.ctx.storage.kv.put('counters', c)
    return answer
  }

  async settle(tokenDelta: number): Promise<void> {
    const now = Date.now()
    const c = this.of(now)
    settle(c, tokenDelta, now)
    this.ctx.storage.kv.put('counters', c)
  }
}
