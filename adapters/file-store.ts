import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { utf8Length, type StateStore } from '../src/state/state-store'

interface FileEntry {
  value: string
  expires: number | null
}

/** No lone surrogates (encodeURIComponent throws on them). */
const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/

/**
 * State as one JSON file per key under `dir` (Node and Deno). Writes go to a
 * temporary file first, so a crash never leaves half an entry. Entries with a
 * TTL are bounded by bytes (`limit`, RESPONSES_STORE_MAX_BYTES), oldest first:
 * the first write after start reads what the folder holds (dropping what has
 * expired), then the store keeps count itself.
 */
export class FileStore implements StateStore {
  private maxBytes = Infinity
  /** Bounded entries, oldest first, with their sizes; read from the folder on first need. */
  private index?: Promise<Map<string, number>>
  private bytes = 0

  constructor(private readonly dir: string) {}

  limit(limits: { maxBytes: number }): void {
    this.maxBytes = limits.maxBytes
  }

  /** One file name per key: the key itself, escaped, unless it is too long or not well-formed Unicode (then its hash). */
  private path(key: string) {
    const name = WELL_FORMED.test(key) && key.length <= 160 ? encodeURIComponent(key) : `sha256-${createHash('sha256').update(key).digest('hex')}`
    return join(this.dir, name + '.json')
  }

  async get(key: string): Promise<string | null> {
    try {
      const entry = JSON.parse(await readFile(this.path(key), 'utf8')) as FileEntry
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
    const index = expires !== null ? await this.bounded() : undefined
    const tmp = `${this.path(key)}.${Math.random().toString(36).slice(2)}.tmp`
    await writeFile(tmp, JSON.stringify({ value, expires }))
    await rename(tmp, this.path(key))
    if (!index) return
    this.forget(index, key)
    const bytes = utf8Length(value)
    index.set(key, bytes)
    this.bytes += bytes
    for (const [oldest] of index) {
      if (this.bytes <= this.maxBytes) break
      this.forget(index, oldest)
      await rm(this.path(oldest), { force: true })
    }
  }

  async delete(key: string): Promise<void> {
    if (this.index) this.forget(await this.index, key)
    await rm(this.path(key), { force: true })
  }

  private forget(index: Map<string, number>, key: string): void {
    const bytes = index.get(key)
    if (bytes === undefined) return
    index.delete(key)
    this.bytes -= bytes
  }

  /** The bounded entries already in the folder, oldest first (by expiry: they all live as long). */
  private bounded(): Promise<Map<string, number>> {
    this.index ??= (async () => {
      const found: Array<{ key: string; bytes: number; expires: number }> = []
      const now = Date.now()
      for (const name of await readdir(this.dir).catch(() => [] as string[])) {
        if (!name.endsWith('.json')) continue
        const key = decodeURIComponent(name.slice(0, -'.json'.length))
        try {
          const entry = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as FileEntry
          if (entry.expires === null) continue
          if (entry.expires <= now) await rm(join(this.dir, name), { force: true })
          else found.push({ key, bytes: utf8Length(entry.value), expires: entry.expires })
        } catch {
          // not an entry of this store
        }
      }
      found.sort((a, b) => a.expires - b.expires)
      const index = new Map<string, number>()
      for (const f of found) {
        index.set(f.key, f.bytes)
        this.bytes += f.bytes
      }
      return index
    })()
    return this.index
  }
}
