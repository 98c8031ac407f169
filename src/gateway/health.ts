import { noBackendWarning } from './no-backend'
import type { Runtime } from './runtime'

/**
 * `/health`: ok, with warnings when there are any (on Workers there is no start-up
 * log to read): setting names that are not settings, and a gateway with no back end; and the access mode.
 */
export function healthReport(rt: Pick<Runtime, 'settings' | 'endpoints' | 'access'>): { status: 'ok'; mode: string; warnings?: string[] } {
  const none = noBackendWarning(rt)
  let warnings = none ? [...rt.settings.warnings, none] : rt.settings.warnings
  if (rt.access.unconfigured) warnings = [...warnings, rt.access.unconfigured.message]
  if (rt.access.warnings.length) warnings = [...warnings, ...rt.access.warnings]
  // The access mode (single-user or multi-user), never a key or a setting's value.
  const mode = rt.access.mode
  return warnings.length ? { status: 'ok', mode, warnings } : { status: 'ok', mode }
}
