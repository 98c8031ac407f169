import type { Settings } from '../config/settings'
import type { CredentialFiles } from './types'

/**
 * A subscription back end without `<PROVIDER>_CREDENTIALS_FILE` uses its CLI's own file, and counts as
 * configured only once that file is seen to exist (someone logged in with the CLI on this machine).
 * Returns the ids it turned on.
 */
export async function useExistingDefaultFiles(settings: Settings, files: CredentialFiles): Promise<string[]> {
  const on: string[] = []
  for (const [id, login] of settings.logins) {
    const backend = settings.backends.get(id)
    if (!backend || backend.configured || login.explicit) continue
    const text = await files.read(login.files[0]!).catch(() => undefined)
    if (text === undefined) continue
    backend.configured = true
    backend.source = 'env'
    on.push(id)
  }
  return on
}
