/**
 * How state names an upstream key without holding it: a 64-bit FNV-1a
 * fingerprint (stable across isolates and restarts, computed once per key),
 * and the last 4 characters for people (`…abcd`).
 */
const ids = new Map<string, string>()

export function keyId(key: string): string {
  let id = ids.get(key)
  if (id) return id
  let h = 0xcbf29ce484222325n
  for (let i = 0; i < key.length; i++) {
    h ^= BigInt(key.charCodeAt(i))
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn
  }
  id = 'k' + h.toString(16).padStart(16, '0')
  if (ids.size > 10_000) ids.clear()
  ids.set(key, id)
  return id
}

/** `…abcd`; a key of 8 characters or fewer shows nothing of itself. */
export function keyHint(key: string): string {
  return key.length > 8 ? `…${key.slice(-4)}` : '…'
}
