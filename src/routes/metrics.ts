import type { Context } from 'hono'
import { GatewayError } from '../hub/errors'
import { hasAdminCookie } from '../admin/session-cookie'
import { clientKey, constantTimeEqual } from '../http/client-auth'
import { logValue } from '../log'
import { CONTENT_TYPE, type LedgerTotals } from '../observe/gateway-metrics'
import type { Runtime } from '../gateway/runtime'
import type { GatewayApp, GatewayEnv } from './types'

export const METRICS_PATH = '/metrics'

/** Whether the request carries the admin page's login cookie (a browser sends it only under /admin; a scraper may send it anywhere). */
export function hasAdminSession(c: Context<GatewayEnv>): Promise<boolean> {
  return hasAdminCookie(c.req.raw, c.var.rt.settings.adminKey)
}

/**
 * Who may read /metrics: anyone with METRICS_PUBLIC=on; else the admin (ADMIN_API_KEY as Bearer or
 * x-api-key, or the admin page's session). Without ADMIN_API_KEY (and not public) it is off: 403.
 */
async function mayRead(c: Context<GatewayEnv>): Promise<void> {
  const { settings } = c.var.rt
  if (settings.observe.metricsPublic) return
  const admin = settings.adminKey
  if (!admin) throw new GatewayError('permission', 'The metrics endpoint is off: set ADMIN_API_KEY (and scrape with it), or METRICS_PUBLIC=on.')
  const given = clientKey(c.req.raw, new URL(c.req.url))
  if (given && constantTimeEqual(given, admin)) return
  if (await hasAdminSession(c)) return
  throw new GatewayError('authentication', 'The metrics endpoint needs the admin key (ADMIN_API_KEY), or METRICS_PUBLIC=on.')
}

/** The usage ledger's totals per client and per back end and model; undefined (and logged) when it cannot answer. */
async function ledgerTotals(rt: Runtime): Promise<LedgerTotals | undefined> {
  try {
    const [byClient, byModel] = await Promise.all([rt.state.usage.totals({ groupBy: 'client' }), rt.state.usage.totals({ groupBy: 'model' })])
    return { byClient, byModel }
  } catch (err) {
    rt.log.error(`metrics: the usage ledger did not answer (${logValue((err as Error)?.message ?? String(err))})`)
    return undefined
  }
}

/**
 * `GET /metrics`: Prometheus text (0.0.4): this isolate's or process's counters (rt.metrics), then
 * the usage ledger's totals (`llm_gateway_ledger_*`, global). Secrets removed, like every answer.
 */
export function metricsRoutes(app: GatewayApp): void {
  app.get(METRICS_PATH, async (c) => {
    await mayRead(c)
    const rt = c.var.rt
    const text = rt.metrics.render(await ledgerTotals(rt))
    return new Response(rt.redactor.text(text), { headers: { 'content-type': CONTENT_TYPE, 'cache-control': 'no-store' } })
  })
}
