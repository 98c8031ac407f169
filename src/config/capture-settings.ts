import { z } from 'zod'

/**
 * Wire capture (README "Capture"). `CAPTURE` itself is a switch of the interactive layer
 * (src/config/interactive-settings.ts SWITCHES: `capture`), so a session turns it on with
 * `!/set(capture=on)`; a client's `capture:` in the config file sits between the two.
 */
export interface CaptureSettings {
  /** CAPTURE_DIR (Node and Deno); unset: the adapter's default (`STATE_DIR/captures`, else `./captures`). */
  dir?: string
  /** CAPTURE_MAX_FILE_BYTES: a capture file that reaches this size is closed and a new one started. */
  maxFileBytes: number
  /** CAPTURE_MAX_AGE_S: a capture file older than this is closed and a new one started. */
  maxAgeMs: number
  /** CAPTURE_MAX_TOTAL_BYTES: past this, the oldest capture files are deleted. */
  maxTotalBytes: number
  /** CAPTURE_MAX_EXCHANGE_BYTES: an exchange keeps this many bytes of bodies and chunks; the rest is counted, not kept. */
  maxExchangeBytes: number
  /** CAPTURE_FLUSH_MS (Workers): exchanges of one session ending within this window share one R2 object. */
  flushMs: number
}

export const CAPTURE_DEFAULTS = {
  maxFileBytes: 16 * 1024 * 1024,
  maxAgeS: 3600,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxExchangeBytes: 8 * 1024 * 1024,
  flushMs: 1000,
} as const

const whole = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return fallback
      const n = Number(s)
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`
        ctx.addIssue({ code: 'custom', message: `must be a whole number ${range}, got "${s}"` })
        return z.NEVER
      }
      return n
    })

/** The env part of the settings schema (spread into settings.ts's). */
export function captureSchemaShape(): Record<string, z.ZodType> {
  return {
    CAPTURE_DIR: z.string().optional(),
    CAPTURE_MAX_FILE_BYTES: whole(CAPTURE_DEFAULTS.maxFileBytes, 1024),
    CAPTURE_MAX_AGE_S: whole(CAPTURE_DEFAULTS.maxAgeS, 1),
    CAPTURE_MAX_TOTAL_BYTES: whole(CAPTURE_DEFAULTS.maxTotalBytes, 1024),
    CAPTURE_MAX_EXCHANGE_BYTES: whole(CAPTURE_DEFAULTS.maxExchangeBytes, 1024),
    // A Worker's waitUntil lasts 30 s after the answer: a batch must be written well within it.
    CAPTURE_FLUSH_MS: whole(CAPTURE_DEFAULTS.flushMs, 0, 20_000),
  }
}

/** Reads the capture settings from the parsed env values. */
export function captureSettings(s: Record<string, any>): CaptureSettings {
  return {
    dir: s.CAPTURE_DIR?.trim() || undefined,
    maxFileBytes: s.CAPTURE_MAX_FILE_BYTES,
    maxAgeMs: s.CAPTURE_MAX_AGE_S * 1000,
    maxTotalBytes: s.CAPTURE_MAX_TOTAL_BYTES,
    maxExchangeBytes: s.CAPTURE_MAX_EXCHANGE_BYTES,
    flushMs: s.CAPTURE_FLUSH_MS,
  }
}
