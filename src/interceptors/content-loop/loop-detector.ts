/**
 * Finds a content loop in streamed text: the same chunk of CHUNK characters
 * seen REPEATS times (without overlapping) close together, that is, at most
 * 5 chunks apart on average (Gemini CLI's loopDetectionService rule), with the
 * text between the occurrences mostly the same (so a list of distinct lines that
 * share a long prefix is not a loop).
 *
 * Ordinary Markdown repeats itself without looping, so tracking starts afresh
 * at every line that begins a list item, a heading, a block quote, a table row
 * or a divider, and text inside a code fence is not tracked at all.
 *
 * Cost: O(length of the new text) per push. Each character updates a rolling
 * hash of the last CHUNK characters (kept in a fixed ring) and one Map entry;
 * the text is never re-scanned, and chunks are compared character by character
 * only when a hash has been seen REPEATS times close together. Memory is bounded:
 * entries older than the span that matters are swept every SWEEP characters.
 */
export const CHUNK = 80
export const REPEATS = 6
/** The most that REPEATS occurrences may span (start of the first to start of the last): an average distance of 5 chunks. */
export const MAX_SPAN = (REPEATS - 1) * 5 * CHUNK

const RING = 4096 // > MAX_SPAN + 2 * CHUNK: every position still compared is in it
const MASK = RING - 1
const SWEEP = 2048
const B = 0x01000193
/** B^(CHUNK-1) mod 2^32: what the character leaving the window weighs. */
const OUT = (() => {
  let p = 1
  for (let i = 1; i < CHUNK; i++) p = Math.imul(p, B)
  return p
})()

/** A line start that begins Markdown structure: tracking starts afresh there. */
const STRUCTURE = /^(?:#{1,6}[ \t]|[-*+][ \t]|\d{1,9}[.)][ \t]|[>|]|[\u2500-\u257f]|([-*_=+])\1\1|\+[-=])/
/** The same, for a whole line (it ended before a space could follow the marker). */
const STRUCTURE_LINE = /^(?:#{1,6}|[-*+]|\d{1,9}[.)])$/
/** A line start that may still turn out to be structure or a fence. */
const MAYBE = /^(?:#{1,6}|\d{1,9}[.)]?|([-*_=+`~])\1?)$/
const FENCE = /^(?:`{3}|~{3})/
/** Characters of a line's start looked at before it counts as plain text. */
const HEAD = 12

export class LoopDetector {
  private readonly ring = new Uint16Array(RING)
  /** Where chunks started, by their hash (30 bits: small integers as keys): one position, or several, oldest first. */
  private readonly seen = new Map<number, number | number[]>()
  /** Tracked characters so far (the next one's position). */
  private pos = 0
  /** Tracked characters since the last reset (the window is full from CHUNK on). */
  private since = 0
  private hash = 0
  private nextSweep = SWEEP
  /** The current line's first non-blank characters, while its kind is undecided. */
  private head = ''
  private decided = false
  private fence = 0 // the fence character (` or ~) while inside a code block, else 0

  /** Starts afresh: a new kind of text, a tool call in between. */
  reset(): void {
    this.clear()
    this.head = ''
    this.decided = false
    this.fence = 0
  }

  /**
   * Feeds the next piece of text. Returns the index in `text` just past the
   * character that completed a loop, or -1.
   */
  push(text: string): number {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) {
        if (!this.decided && this.head !== '') this.classify(true)
        this.head = ''
        this.decided = false
      } else if (!this.decided) {
        if (this.head !== '' || (c !== 32 && c !== 9)) {
          this.head += text[i]
          this.classify(false)
        }
      }
      if (this.fence === 0 && this.track(c)) return i + 1
    }
    return -1
  }

  /** Decides what the current line is from its start (`ended`: the line is over). */
  private classify(ended: boolean): void {
    const h = this.head
    if (this.fence !== 0) {
      if (h.charCodeAt(0) === this.fence && FENCE.test(h)) {
        this.fence = 0
        this.clear()
        this.decided = true
      } else this.decided = ended || !/^(?:`{1,2}|~{1,2})$/.test(h)
      return
    }
    if (FENCE.test(h)) {
      this.fence = h.charCodeAt(0)
      this.clear()
      this.decided = true
    } else if (STRUCTURE.test(h) || (ended && STRUCTURE_LINE.test(h))) {
      this.clear()
      this.decided = true
    } else this.decided = ended || h.length >= HEAD || !MAYBE.test(h)
  }

  private clear(): void {
    this.seen.clear()
    this.since = 0
    this.hash = 0
  }

  /** Adds one character; true when the chunk it ends completes a loop. */
  private track(c: number): boolean {
    const p = this.pos++
    this.ring[p & MASK] = c
    if (this.since < CHUNK) {
      this.hash = (Math.imul(this.hash, B) + c) | 0
      if (++this.since < CHUNK) return false
    } else {
      this.hash = (Math.imul(this.hash - Math.imul(this.ring[(p - CHUNK) & MASK]!, OUT), B) + c) | 0
      this.since++
    }
    const start = p - CHUNK + 1
    if (p >= this.nextSweep) this.sweep(start)
    const key = this.hash & 0x3fffffff
    const seen = this.seen.get(key)
    if (seen === undefined) {
      this.seen.set(key, start) // most chunks are seen once: a number, no array
      return false
    }
    if (typeof seen === 'number') {
      if (start - seen >= CHUNK) this.seen.set(key, [seen, start])
      return false
    }
    const list = seen
    if (start - list[list.length - 1]! < CHUNK) return false // overlaps the last occurrence
    list.push(start)
    if (list.length > REPEATS) list.shift()
    if (list.length < REPEATS || start - list[0]! > MAX_SPAN) return false
    return this.confirm(key, list, start)
  }

  /** REPEATS occurrences of one hash close together: the same text (not a hash collision), repeating with few distinct periods. */
  private confirm(key: number, list: number[], start: number): boolean {
    const same = list.filter((q) => q === start || this.equal(q, start, CHUNK))
    if (same.length < REPEATS) {
      this.seen.set(key, same)
      return false
    }
    const periods = new Set<string>()
    for (let i = 0; i + 1 < same.length; i++) periods.add(this.text(same[i]!, same[i + 1]!))
    return periods.size <= Math.floor(REPEATS / 2)
  }

  private equal(a: number, b: number, n: number): boolean {
    for (let j = 0; j < n; j++) if (this.ring[(a + j) & MASK] !== this.ring[(b + j) & MASK]) return false
    return true
  }

  private text(from: number, to: number): string {
    let s = ''
    for (let q = from; q < to; q++) s += String.fromCharCode(this.ring[q & MASK]!)
    return s
  }

  /** Forgets chunks last seen too long ago to be part of a loop any more. */
  private sweep(start: number): void {
    this.nextSweep = this.pos + SWEEP
    const oldest = start - MAX_SPAN
    for (const [key, at] of this.seen) if ((typeof at === 'number' ? at : at[at.length - 1]!) < oldest) this.seen.delete(key)
  }
}
