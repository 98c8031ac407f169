import { createMiddleware } from 'hono/factory'
import { GatewayError } from '../hub/errors'
import type { GatewayEnv } from '../routes/types'
import { clientKey, constantTimeEqual } from './client-auth'

/**
 * Admin-only routes: a 403 naming ADMIN_API_KEY when it is unset (the routes are off),
 * a 401 when the request does not carry it (Bearer, x-api-key). `what` names the routes.
 */
export const adminOnly = (what: string) =>
  createMiddleware<GatewayEnv>(async (c, next) => {
    const admin = c.var.rt.settings.adminKey
    if (!admin) throw new GatewayError('permission', `${what} is off: set ADMIN_API_KEY to use it.`)
    const given = clientKey(c.req.raw, new URL(c.req.url))
    if (!given || !constantTimeEqual(given, admin)) throw new GatewayError('authentication', `${what} needs the admin key (ADMIN_API_KEY).`)
    await next()
  })
