/**
 * A small key-value port for gateway state (stored Responses, later the runtime
 * registry and key-rotation state). Workers use KV; Node and Deno a file or
 * memory. Values are strings (JSON); a TTL lets old entries go.
 *
 * Entries put with a TTL are kept like a cache: a store with room for only so
 * much (memory, files) lets the oldest of them go first. Entries without a TTL
 * (the registry) are never evicted.
 */
export interface StateStore {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { ttlSeconds?: number }): Promise<void>
  delete(key: string): Promise<void>
  /** Bounds what the entries with a TTL may take together (RESPONSES_STORE_MAX_BYTES); a store that cannot count leaves it out. */
  limit?(limits: { maxBytes: number }): void
}

/** A string's size in UTF-8 bytes, without encoding it. */
export function utf8Length(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 2 // a surrogate pair: 4 bytes for its 2 code units
      i++
    } else n += 2
  }
  return n
}
