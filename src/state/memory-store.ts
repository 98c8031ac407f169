import type { StateStore } from './state-store'

/** In-process state, bounded: the oldest entries go first once `maxEntries` is reached. */
export class MemoryStore implements StateStore {
  private readonly entries = new Map<string, { value: string; expires: number }>()

  constructor(private readonly maxEntries = 10_000) {}

  async get(key: string): Promise<string | null> {
    const e = this.entries.get(key)
    if (!e) return null
    if (e.expires <= Date.now()) {
      this.entries.delete(key)
      return null
    }
    return e.value
  }

  async put(key: string, value: string, options?: { ttlSeconds?: number }): Promise<void> {
    this.entries.delete(key)
    this.entries.set(key, { value, expires: options?.ttlSeconds ? Date.now() + options.ttlSeconds * 1000 : Infinity })
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }
}
