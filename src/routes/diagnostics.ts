import { diagnostics, knownBackend } from '../gateway/diagnostics'
import { adminOnly } from '../http/admin-auth'
import { GatewayError } from '../hub/errors'
import type { GatewayApp } from './types'

export const DIAGNOSTICS_PATH = '/v1/diagnostics'

/** The paths whose admin check replaces the client key check. */
export const isDiagnosticsPath = (path: string) => path === DIAGNOSTICS_PATH || path.startsWith(`${DIAGNOSTICS_PATH}/`)

/**
 * Diagnostics (ADMIN_API_KEY): every back end's keys (hints only), circuits and
 * recent errors, and the named routes; and bringing a back end's retired keys back.
 * Answers go through the redactor: an upstream error message may echo a key.
 */
export function diagnosticsRoutes(app: GatewayApp): void {
  const admin = adminOnly('The diagnostics API')
  app.use(DIAGNOSTICS_PATH, admin)
  app.use(`${DIAGNOSTICS_PATH}/*`, admin)

  app.get(DIAGNOSTICS_PATH, async (c) => c.var.rt.redactor.json(await diagnostics(c.var.rt)))

  app.post(`${DIAGNOSTICS_PATH}/backends/:backend/reactivate`, async (c) => {
    const rt = c.var.rt
    const backend = c.req.param('backend')
    if (!(await knownBackend(rt, backend))) throw new GatewayError('not_found', `No back end "${backend}" is configured.`)
    const reactivated = await rt.state.health.reactivate(backend)
    return rt.redactor.json({ backend, reactivated })
  })
}
