import type { Runtime } from '../gateway/runtime'
import { checkHops, HOP_HEADER } from './loop-guard'

/**
 * What every request but /health meets first: the loop guard (a request carrying this gateway's
 * own hop id is refused with 508), then a multi-user gateway without client keys (503 naming the
 * settings). One header lookup on the happy path.
 */
export function screenRequest(req: Request, rt: Pick<Runtime, 'access'>): void {
  const hops = req.headers.get(HOP_HEADER)
  if (hops !== null) checkHops(hops, rt.access.hopId)
  if (rt.access.unconfigured) throw rt.access.unconfigured
}
