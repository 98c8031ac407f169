import { DurableObject } from 'cloudflare:workers'
import { applyReports, claimProbe, emptyHealth, prune, reactivate } from '../../resilience/health-book'
import type { BackendHealth, CircuitPolicy, HealthReport } from '../ports'
import { BACKENDS, stub, type DurableBindings, type HealthRpc } from './bindings'

/**
 * One back end's health (`idFromName(backend)`): key cooldowns and retirements,
 * circuits and recent errors, under the same rules as memory (health-book.ts).
 *
 * The record is read from storage once and kept in memory; every change is
 * written back with the synchronous SQLite key-value API. Each method changes
 * the record with no `await` in between, so it is atomic: of many concurrent
 * `claimProbe` calls exactly one gets the probe.
 *
 * The first time the record holds something, the object adds its back end to
 * the `backends` directory (once per back end, remembered in storage), so
 * `list()` costs one read of one object, and the request path pays for it at
 * most once per back end ever.
 */
export class BackendHealthObject extends DurableObject<DurableBindings> implements HealthRpc {
  private health?: BackendHealth
  private listed?: boolean

  private get record(): BackendHealth {
    return (this.health ??= this.ctx.storage.kv.get<BackendHealth>('health') ?? emptyHealth())
  }

  /** Writes the record when `before` (its JSON before the change) differs: a healthy back end's successes write nothing. */
  private async save(backend: string, before: string): Promise<void> {
    const h = this.record
    if (JSON.stringify(h) !== before) this.ctx.storage.kv.put('health', h)
    if (isEmpty(h) || (this.listed ??= this.ctx.storage.kv.get('listed') === true)) return
    await stub(this.env.GATEWAY_DIRECTORY, BACKENDS).add(backend)
    this.ctx.storage.kv.put('listed', true)
    this.listed = true
  }

  async read(_backend: string): Promise<BackendHealth> {
    return prune(this.record, Date.now())
  }

  async report(backend: string, reports: HealthReport[], policy: CircuitPolicy): Promise<BackendHealth> {
    const before = JSON.stringify(this.record)
    const h = applyReports(this.record, reports, policy, Date.now())
    // The answer is a copy taken now: the directory call below lets other calls in.
    const answer = structuredClone(h)
    await this.save(backend, before)
    return answer
  }

  async claimProbe(backend: string, model: string): Promise<boolean> {
    const before = JSON.stringify(this.record)
    const got = claimProbe(this.record, model, Date.now())
    await this.save(backend, before)
    return got
  }

  async reactivate(backend: string): Promise<number> {
    const before = JSON.stringify(this.record)
    const n = reactivate(this.record)
    await this.save(backend, before)
    return n
  }
}

const isEmpty = (h: BackendHealth) => !h.recentErrors.length && !Object.keys(h.keys).length && !Object.keys(h.circuits).length
