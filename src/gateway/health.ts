import type { Runtime } from './runtime'

/** `/health`: ok, with the settings warnings when there are any (on Workers there is no start-up log to read). */
export function healthReport(rt: Pick<Runtime, 'settings'>): { status: 'ok'; warnings?: string[] } {
  const warnings = rt.settings.warnings
  return warnings.length ? { status: 'ok', warnings } : { status: 'ok' }
}
