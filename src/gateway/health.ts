import { noBackendWarning } from './no-backend'
import type { Runtime } from './runtime'

/**
 * `/health`: ok, with warnings when there are any (on Workers there is no start-up
 * log to read): setting names that are not settings, and a gateway with no back end.
 */
export function healthReport(rt: Pick<Runtime, 'settings' | 'endpoints'>): { status: 'ok'; warnings?: string[] } {
  const none = noBackendWarning(rt)
  const warnings = none ? [...rt.settings.warnings, none] : rt.settings.warnings
  return warnings.length ? { status: 'ok', warnings } : { status: 'ok' }
}
