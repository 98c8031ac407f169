import type { SwitchName } from '../config/interactive-settings'
import type { Settings } from '../config/settings'
import type { SessionData } from './types'

/** A switch's value for one request: the session's `!/set` value when it has one, else the setting. */
export function switchOn(settings: Settings, data: SessionData, name: SwitchName): boolean {
  const v = data.settings?.[name]
  return typeof v === 'boolean' ? v : settings.interactive.switches[name]
}
