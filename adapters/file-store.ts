import { mkdir, readFile, rm, writeFile, rename } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { StateStore } from '../src/state/state-store'

/** No lone surrogates (encodeURIComponent throws on them). */
const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/

/**
 * State as one JSON file per key under `dir` (Node and Deno). Writes go to a
 * temporary file first, so a crash never leaves half an entry.
 */
export class FileStore implements StateStore {
  constructor(private readonly dir: string) {}

  /** One file name per key: the key itself, escaped, unless it is too long or not well-formed Unicode (then its hash). */
  private path(key: string) {
    const name = WELL_FORMED.test(key) && key.length <= 160 ? encodeURIComponent(key) : `sha256-${createHash('sha256').update(key).digest('hex')}`
    return join(this.dir, name + '.json')
  }

  async get(key: string): Promise<string | null> {
    try {
      const entry = JSON.parse(await readFile(this.path(key), 'utf8')) as { value: string; expires: number | null }
      if (entry.expires !== null && entry.expires <= Date.now()) {
        await this.delete(key)
        return null
      }
      return entry.value
    } catch {
      return null
    }
  }

  async put(key: string, value: string, options?: { ttlSeconds?: number }): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const expires = options?.ttlSeconds ? Date.now() + options.ttlSeconds * 1000 : null
    const tmp = `${this.path(key)}.${Math.random().toString(36).slice(2)}.tmp`
    await writeFile(tmp, JSON.stringify({ value, expires }))
    await rename(tmp, this.path(key))
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true })
  }
}
