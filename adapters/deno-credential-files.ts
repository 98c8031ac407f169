// deno-lint-ignore-file no-explicit-any
import type { CredentialFiles } from '../src/subscriptions/types.ts'

declare const Deno: any

/**
 * The vendor CLIs' credentials files under Deno (needs --allow-read and --allow-write for them); see
 * node-credential-files.ts: `~` is `home`, writes are a temporary file renamed over the target, its mode kept.
 */
export function denoCredentialFiles(home: string | undefined): CredentialFiles {
  const expand = (path: string): string | undefined => {
    if (path !== '~' && !path.startsWith('~/')) return path
    return home ? `${home.replace(/\/+$/, '')}${path.slice(1)}` : undefined
  }
  return {
    async read(path) {
      const full = expand(path)
      if (!full) return undefined
      try {
        return await Deno.readTextFile(full)
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return undefined
        throw err
      }
    },
    async writeAtomic(path, text) {
      const full = expand(path)
      if (!full) throw new Error('no home directory to expand ~ in')
      let mode = 0o600
      try {
        mode = ((await Deno.stat(full)).mode ?? 0o600) & 0o777
      } catch {
        // a new file
      }
      const temp = `${full}.${crypto.randomUUID()}.tmp`
      try {
        await Deno.writeTextFile(temp, text, { mode: 0o600 })
        await Deno.chmod(temp, mode).catch(() => {})
        await Deno.rename(temp, full)
      } catch (err) {
        await Deno.remove(temp).catch(() => {})
        throw err
      }
    },
  }
}
