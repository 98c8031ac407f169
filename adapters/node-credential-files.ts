import { randomUUID } from 'node:crypto'
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CredentialFiles } from '../src/subscriptions/types'

/**
 * The vendor CLIs' credentials files on this machine. `~` is `home` (the settings' HOME); without one a
 * `~` path is treated as absent, so a gateway started with an environment that names no home reads
 * nothing outside what it was told. Writes go to a temporary file beside the target, renamed over it,
 * with the target's mode (0600 for a new file).
 */
export function nodeCredentialFiles(home: string | undefined): CredentialFiles {
  const expand = (path: string): string | undefined => {
    if (path !== '~' && !path.startsWith('~/')) return path
    return home ? join(home, path.slice(1)) : undefined
  }
  return {
    async read(path) {
      const full = expand(path)
      if (!full) return undefined
      try {
        return await readFile(full, 'utf8')
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return undefined
        throw err
      }
    },
    async writeAtomic(path, text) {
      const full = expand(path)
      if (!full) throw new Error('no home directory to expand ~ in')
      const mode = await stat(full).then((s) => s.mode & 0o777, () => 0o600)
      const temp = `${full}.${randomUUID()}.tmp`
      try {
        await writeFile(temp, text, { mode: 0o600 })
        await chmod(temp, mode)
        await rename(temp, full)
      } catch (err) {
        await rm(temp, { force: true }).catch(() => {})
        throw err
      }
    },
  }
}
