import { utf8Length, type StateStore } from './state-store'

interface Entry {
  value: string
  expires: number
  /** UTF-8 size, for entries with a TTL (the bounded ones); 0 for the others. */
  bytes: number
  bounded: boolean
}

/**
 * In-process state. Entries with a TTL are bounded by count (`maxEntries`) and
 * by bytes (`limit`, RESPONSES_STORE_MAX_BYTES): the oldest go first. Entries
 * without a TTL (the registry) are kept.
 */
export class MemoryStore implements StateStore {
  private readonly entries = new Map<string, Entry>()
  private count = 0
  private bytes = 0
  private maxBytes = Infinity

  constructor(private readonly maxEntries = 10_000) {}

  limit(limits: { maxBytes: number }): void {
    this.maxBytes = limits.maxBytes
    this.evict()
  }

  async get(key: string): Promise<string | null> {
    const e = this.entries.get(key)
    if (!e) return null
    if (e.expires <= Date.now()) {
      this.remove(key)
      return null
    }
    return e.value
  }

  async put(key: string, value: string, options?: { ttlSeconds?: number }): Promise<void> {
    this.remove(key)
    const bounded = Boolean(options?.ttlSeconds)
    const bytes = bounded ? utf8Length(value) : 0
    this.entries.set(key, { value, expires: bounded ? Date.now() + options!.ttlSeconds! * 1000 : Infinity, bytes, bounded })
    if (bounded) {
      this.count++
      this.bytes += bytes
      this.evict()
    }
  }

  async delete(key: string): Promise<void> {
    this.remove(key)
  }

  private remove(key: string): void {
    const e = this.entries.get(key)
    if (!e) return
    this.entries.delete(key)
    if (e.bounded) {
      this.count--
      this.bytes -= e.bytes
    }
  }

  /** Oldest first (a Map iterates in insertion order, and a put re-inserts). */
  private evict(): void {
    if (this.count <= this.maxEntries && this.bytes <= this.maxBytes) return
    for (const [key, e] of this.entries) {
      if (this.count <= this.maxEntries && this.bytes <= this.maxBytes) return
      if (e.bounded) this.remove(key)
    }
  }
}
