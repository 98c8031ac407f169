import type { Admission, ClientLimits } from '../state/ports'

/**
 * The rules of one client's limit counters, as pure functions over plain data
 * (the memory store and the Durable Object apply the same ones).
 *
 * Per-minute limits use a sliding window estimated from two fixed windows (the
 * current minute's count plus the previous minute's, weighted by how much of
 * it still overlaps), the approach of Cloudflare's own rate limiting: O(1)
 * state, no burst of twice the limit at a minute's edge. Daily tokens count per
 * UTC day.
 */
export interface Window {
  /** Start of the current minute (ms). */
  start: number
  current: number
  previous: number
}

export interface LimitCounters {
  requests: Window
  tokens: Window
  day: { date: string; tokens: number }
}

const MINUTE = 60_000

export const emptyCounters = (now: number): LimitCounters => ({
  requests: { start: minuteOf(now), current: 0, previous: 0 },
  tokens: { start: minuteOf(now), current: 0, previous: 0 },
  day: { date: dayOf(now), tokens: 0 },
})

const minuteOf = (now: number) => now - (now % MINUTE)
const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10)

/** Moves a window forward to the minute `now` is in. */
function roll(w: Window, now: number): void {
  const start = minuteOf(now)
  if (start === w.start) return
  w.previous = start - w.start === MINUTE ? w.current : 0
  w.current = 0
  w.start = start
}

function estimate(w: Window, now: number): number {
  return w.previous * (1 - (now - w.start) / MINUTE) + w.current
}

/** Seconds until `amount` more fits under `limit` in window `w`, at least 1. */
function wait(w: Window, limit: number, amount: number, now: number): number {
  const elapsed = now - w.start
  let ms: number
  if (w.current + amount > limit || w.previous === 0) ms = MINUTE - elapsed
  else {
    // previous * (1 - t/MINUTE) + current + amount <= limit  ⇒  t >= MINUTE * (1 - (limit - current - amount) / previous)
    const t = MINUTE * (1 - (limit - w.current - amount) / w.previous)
    ms = Math.max(t - elapsed, 0)
  }
  return Math.max(1, Math.ceil(ms / 1000))
}

function rollAll(c: LimitCounters, now: number): void {
  roll(c.requests, now)
  roll(c.tokens, now)
  const date = dayOf(now)
  if (c.day.date !== date) c.day = { date, tokens: 0 }
}

/** Counts one request of `tokens` estimated input unless a limit would be passed. Mutates `c`. */
export function admit(c: LimitCounters, limits: ClientLimits, tokens: number, now: number): Admission {
  rollAll(c, now)
  if (limits.rpm !== undefined) {
    const used = estimate(c.requests, now)
    if (used + 1 > limits.rpm)
      return { ok: false, limit: 'rpm', retryAfterS: wait(c.requests, limits.rpm, 1, now), used: Math.ceil(used), allowed: limits.rpm }
  }
  if (limits.tpm !== undefined) {
    const used = estimate(c.tokens, now)
    // One request larger than the whole limit still goes when nothing else is counted (else it never could).
    if (used > 0 && used + tokens > limits.tpm)
      return { ok: false, limit: 'tpm', retryAfterS: wait(c.tokens, limits.tpm, Math.min(tokens, limits.tpm), now), used: Math.ceil(used), allowed: limits.tpm }
  }
  if (limits.dailyTokens !== undefined && c.day.tokens > 0 && c.day.tokens + tokens > limits.dailyTokens) {
    const nextDay = Date.parse(`${c.day.date}T00:00:00Z`) + 86_400_000
    return { ok: false, limit: 'daily_tokens', retryAfterS: Math.max(1, Math.ceil((nextDay - now) / 1000)), used: c.day.tokens, allowed: limits.dailyTokens }
  }
  c.requests.current += 1
  c.tokens.current += tokens
  c.day.tokens += tokens
  return { ok: true }
}

/** Corrects the token counts with what the upstream reported. Mutates `c`. */
export function settle(c: LimitCounters, delta: number, now: number): void {
  rollAll(c, now)
  c.tokens.current = Math.max(0, c.tokens.current + delta)
  c.day.tokens = Math.max(0, c.day.tokens + delta)
}
