/**
 * How deep a JSON value may nest. Translating walks bodies recursively (schemas,
 * tool arguments, re-serialisation), and 10,000 levels would overflow the stack
 * there; no real request comes near this (tool schemas nest a few dozen levels).
 */
export const MAX_JSON_DEPTH = 128

/**
 * Whether a parsed JSON value nests deeper than `limit` (an object or array is
 * one level). Iterative, so any depth can be measured; it visits only objects
 * and arrays and stops at the first one too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (!value || typeof value !== 'object') return false
  const stack: object[] = [value]
  const depths: number[] = [1]
  while (stack.length) {
    const node = stack.pop() as Record<string, unknown>
    const depth = depths.pop()! + 1
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i]
        if (child && typeof child === 'object') {
          if (depth > limit) return true
          stack.push(child)
          depths.push(depth)
        }
      }
    } else {
      for (const key in node) {
        const child = node[key]
        if (child && typeof child === 'object') {
          if (depth > limit) return true
          stack.push(child)
          depths.push(depth)
        }
      }
    }
  }
  return false
}
