/** A random id with a protocol's customary prefix: `msg_…`, `chatcmpl-…`, `toolu_…`, `call_…`. */
export function newId(prefix: string): string {
  return prefix + crypto.randomUUID().replace(/-/g, '').slice(0, 24)
}
