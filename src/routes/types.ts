import type { Context, Hono } from 'hono'
import type { Call } from '../gateway/generate'
import type { Runtime } from '../gateway/runtime'
import type { ClientLimits } from '../state/ports'
import type { RequestIds } from '../http/request-id'

/** Who is asking: a name (never the key) and that client's limits. */
export interface ClientIdentity {
  /** From the config file's `clients:`, `key-N` for the N-th PROXY_API_KEYS key, or `anonymous` when no keys are set. */
  name: string
  limits: ClientLimits
  /** Its own TOOLS_ALLOW / TOOLS_DENY from the config file, when it has them. */
  tools?: { allow?: string[]; deny?: string[] }
  /** Its config file `capture:` (wire capture on or off for it, over CAPTURE). */
  capture?: boolean
}

export type GatewayEnv = {
  Bindings: Record<string, unknown>
  Variables: {
    rt: Runtime
    /** Runs work after the answer without delaying it (ctx.waitUntil on Workers); failures are logged. */
    defer: (work: Promise<unknown>) => void
    client: ClientIdentity
    /** The exchange's ids (x-request-id). */
    ids: RequestIds
  }
}
export type GatewayApp = Hono<GatewayEnv>

/** What generate needs of a request's context. (`c.get`, not `c.var`: Hono builds a new object of every variable on each `c.var` read.) */
export const callOf = (c: Context<GatewayEnv>): Call => ({ req: c.req.raw, rt: c.get('rt'), defer: c.get('defer'), client: c.get('client'), ids: c.get('ids') })
