import type { Hono } from 'hono'
import type { Runtime } from '../gateway/runtime'

export type GatewayEnv = { Bindings: Record<string, unknown>; Variables: { rt: Runtime } }
export type GatewayApp = Hono<GatewayEnv>
