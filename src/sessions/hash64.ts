/**
 * A 64-bit fingerprint of a string, as 16 hex characters: two independent
 * 32-bit lanes (FNV-1a, and a multiply-rotate lane with another prime) over
 * its UTF-16 code units, each a Math.imul per character, so hashing a long
 * first message on every request stays cheap. Not cryptographic: it tells
 * conversations apart; a session's owner check keeps clients apart.
 */
export function hash64(s: string): string {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b = (b << 13) | (b >>> 19)
  }
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b)
  b ^= b >>> 13
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0')
}
