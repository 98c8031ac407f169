import { z } from 'zod'

/** How the gateway can be watched: its log lines' format and who may read /metrics. */
export interface ObserveSettings {
  /** LOG_FORMAT: `text` (one readable line per event, the default) or `json` (one JSON object per line). */
  logFormat: 'text' | 'json'
  /** METRICS_PUBLIC: `/metrics` answers without the admin key (for a scraper on a private network). */
  metricsPublic: boolean
}

const onOff = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined || s === '') return false
    const v = s.trim().toLowerCase()
    if (['1', 'true', 'on', 'yes'].includes(v)) return true
    if (['0', 'false', 'off', 'no'].includes(v)) return false
    ctx.addIssue({ code: 'custom', message: `must be on or off, got "${s}"` })
    return z.NEVER
  })

/** The env part of the settings schema (spread into settings.ts's). */
export function observeSchemaShape(): Record<string, z.ZodType> {
  return {
    LOG_FORMAT: z
      .string()
      .optional()
      .transform((s, ctx) => {
        const v = (s ?? '').trim().toLowerCase()
        if (v === '' || v === 'text') return 'text' as const
        if (v === 'json') return 'json' as const
        ctx.addIssue({ code: 'custom', message: `must be text or json, got "${s}"` })
        return z.NEVER
      }),
    METRICS_PUBLIC: onOff,
  }
}

/** Reads the observe settings from the parsed env values. */
export function observeSettings(s: Record<string, any>): ObserveSettings {
  return { logFormat: s.LOG_FORMAT, metricsPublic: s.METRICS_PUBLIC }
}
