import type { StateStore } from './state-store'

/** The part of a Workers KV namespace binding the gateway uses. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
  delete(key: string): Promise<void>
}

/** State in Workers KV (KV's smallest TTL is 60 s). */
export class KvStore implements StateStore {
  constructor(private readonly kv: KvNamespaceLike) {}

  get(key: string) {
    return this.kv.get(key)
  }

  put(key: string, value: string, options?: { ttlSeconds?: number }) {
    const ttl = options?.ttlSeconds
    return this.kv.put(key, value, ttl ? { expirationTtl: Math.max(60, ttl) } : undefined)
  }

  delete(key: string) {
    return this.kv.delete(key)
  }
}
