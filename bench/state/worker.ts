import { buildDurableState } from '../../src/state/durable-state'
import type { DurableBindings } from '../../src/state/durable/bindings'
import { memoryState } from '../../src/state/memory-state'
import type { GatewayState } from '../../src/state/ports'

export { BackendHealthObject } from '../../src/state/durable/health-object'
export { ClientLimitsObject } from '../../src/state/durable/limits-object'
export { UsageLedgerObject } from '../../src/state/durable/usage-object'
export { SessionObject } from '../../src/state/durable/session-object'
export { StateDirectoryObject } from '../../src/state/durable/directory-object'

/**
 * The Worker bench/state-roundtrip.ts drives: `/one?impl=do|memory&op=read|admit`
 * makes one state call; `/loop?…&n=N&mode=seq|par` makes N and answers the
 * time they took inside the Worker (workerd's clock moves on I/O, so this is
 * exact enough for Durable Object calls, and 0 for memory).
 */
const memory = memoryState()
let durable: GatewayState | undefined

const call = (s: GatewayState, op: string, i: number) =>
  op === 'admit' ? s.limits.admit(`bench-${i % 8}`, { rpm: 1e9 }, 10) : s.health.read(`bench-${i % 8}`)

export default {
  async fetch(req: Request, env: DurableBindings): Promise<Response> {
    const url = new URL(req.url)
    const s = url.searchParams.get('impl') === 'do' ? (durable ??= buildDurableState(env)) : memory
    const op = url.searchParams.get('op') ?? 'read'
    if (url.pathname === '/one') {
      await call(s, op, 0)
      return new Response('ok')
    }
    const n = Number(url.searchParams.get('n') ?? 100)
    const t0 = Date.now()
    if (url.searchParams.get('mode') === 'par') await Promise.all(Array.from({ length: n }, (_, i) => call(s, op, i)))
    else for (let i = 0; i < n; i++) await call(s, op, i)
    return Response.json({ ms: Date.now() - t0 })
  },
}
