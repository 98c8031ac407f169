import { GatewayError, invalidRequest } from '../hub/errors'
import { ADMIN_CLIENT } from '../http/identify-client'
import type { UsageGroup, UsageQuery } from '../state/ports'
import type { GatewayApp } from './types'

export const USAGE_PATH = '/v1/usage'

const GROUPS: readonly UsageGroup[] = ['client', 'backend', 'model', 'day']

/** `since` as unix seconds (`1764892800`) or an ISO date or date-time (`2026-12-01`, `2026-12-01T08:00:00Z`); ms since epoch. */
export function parseSince(raw: string): number {
  const s = raw.trim()
  let ms = NaN
  if (/^\d{1,12}(\.\d+)?$/.test(s)) ms = Number(s) * 1000
  else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(s)) ms = Date.parse(s.replace(' ', 'T'))
  if (!Number.isFinite(ms))
    throw invalidRequest(`Invalid since "${raw}": give unix seconds (1764892800) or an ISO date or date-time (2026-12-01, 2026-12-01T08:00:00Z).`, 'since')
  return Math.floor(ms)
}

/**
 * `GET /v1/usage?since=…&group_by=client|backend|model|day[&client=name]`: usage totals. A client
 * key sees its own exchanges only; the admin key (ADMIN_API_KEY) sees everyone's and may filter by
 * `client`. Without `group_by` the rows are per client.
 */
export function usageRoutes(app: GatewayApp): void {
  app.get(USAGE_PATH, async (c) => {
    const rt = c.var.rt
    const url = new URL(c.req.url)
    const groupBy = (url.searchParams.get('group_by') ?? 'client') as UsageGroup
    if (!GROUPS.includes(groupBy))
      throw invalidRequest(`Invalid group_by "${url.searchParams.get('group_by')}": one of ${GROUPS.join(', ')}.`, 'group_by')
    const query: UsageQuery = { groupBy }
    const since = url.searchParams.get('since')
    if (since !== null) query.since = parseSince(since)
    const asked = url.searchParams.get('client') ?? undefined
    const me = c.var.client
    if (me === ADMIN_CLIENT) {
      if (asked !== undefined) query.client = asked
    } else {
      if (asked !== undefined && asked !== me.name)
        throw new GatewayError('permission', `A client key sees only its own usage ("${me.name}"); the admin key (ADMIN_API_KEY) sees every client's.`, { param: 'client' })
      query.client = me.name
    }
    return rt.redactor.json({ data: await rt.state.usage.totals(query) })
  })
}
