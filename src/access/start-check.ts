import type { ConfigFile } from '../config/config-file'
import { loadSettings } from '../config/settings'
import { SettingsError } from '../config/settings-error'

/** 127.0.0.0/8, ::1 (with or without brackets, or IPv4-mapped) and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === 'localhost' || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/**
 * The Node and Deno adapters' check before they listen on `host`: single-user mode (the default)
 * binds loopback only; multi-user mode needs client keys. Throws a SettingsError that says why
 * (and any other bad setting's).
 */
export function checkStart(env: Record<string, unknown>, config: ConfigFile | undefined, host: string): void {
  const settings = loadSettings(env, config)
  if (settings.access.mode === 'single-user' && !isLoopbackHost(host))
    throw new SettingsError(
      `Refusing to listen on HOST=${host}: single-user mode (ACCESS_MODE unset or single-user) binds loopback only (127.0.0.1, ::1, localhost). ` +
        'To serve other machines set ACCESS_MODE=multi-user, with client keys in PROXY_API_KEYS (or a clients: list in the config file).',
    )
  if (settings.access.mode === 'multi-user' && !settings.clientKeys.length)
    throw new SettingsError(
      'Refusing to start: ACCESS_MODE=multi-user needs client keys. Set PROXY_API_KEYS (or a clients: list in the config file); every request would be refused without them.',
    )
}
