/**
 * 64-bit FNV-1a over a string's UTF-16 code units, as 16 hex characters: the
 * same function as src/resilience/key-id.ts, computed on two 32-bit halves
 * (no BigInt per character), so hashing a long first message stays cheap.
 */
export function hash64(s: string): string {
  // offset basis 0xcbf29ce484222325
  let hi = 0xcbf29ce4
  let lo = 0x84222325
  for (let i = 0; i < s.length; i++) {
    lo ^= s.charCodeAt(i)
    // h * 0x100000001b3 = h * 0x1b3 + (h << 40), modulo 2^64
    const p = (lo >>> 0) * 0x1b3
    const carry = Math.floor(p / 0x100000000)
    hi = (Math.imul(hi, 0x1b3) + carry + (lo << 8)) >>> 0
    lo = p >>> 0
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')
}
