import { SettingsError } from './settings-error'
import { ADAPTER_SETTINGS, describeUnknown, findUnknownSettings, firstUnknownSetting } from './unknown-settings'

/**
 * Names only, never values. In the environment (or Worker bindings, `.env`,
 * `.dev.vars`), a name that looks like a setting but is not one is a warning;
 * in the config file's `settings:` block, which holds nothing else, any unknown
 * name is an error.
 */
export function checkSettingNames(
  env: Record<string, unknown>,
  fromFile: Record<string, string> | undefined,
  settingNames: ReadonlySet<string>,
): string[] {
  if (fromFile) {
    const bad = firstUnknownSetting(Object.keys(fromFile), settingNames)
    if (bad) {
      if (ADAPTER_SETTINGS.includes(bad.name))
        throw new SettingsError(`Invalid config file settings.${bad.name}: it is read from the environment only`)
      throw new SettingsError(`Invalid config file settings.${bad.name}: unknown setting${bad.nearest ? `; did you mean ${bad.nearest}?` : ''}`)
    }
  }
  const names = Object.keys(env).filter((k) => typeof env[k] === 'string')
  return findUnknownSettings(names, new Set([...settingNames, ...ADAPTER_SETTINGS])).map(describeUnknown)
}
