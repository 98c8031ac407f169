import { z } from 'zod'
import type { ClientLimits } from '../state/ports'
import { SettingsError } from './settings-error'

/** A named client: its key (never shown) and its limits, the defaults filled in. */
export interface ClientEntry {
  name: string
  key: string
  limits: ClientLimits
  /** The client's own TOOLS_ALLOW / TOOLS_DENY (globs on tool names), over the settings'. */
  tools?: { allow?: string[]; deny?: string[] }
  /** Config `capture: true|false`: wire capture for this client's requests, over CAPTURE (a session's `!/set(capture=…)` wins). */
  capture?: boolean
}

/** Names appear in usage rows, logs and error messages: plain ones only. */
const NAME = /^[A-Za-z0-9][\w.@-]{0,63}$/

/** A whole number > 0, written as a YAML number or a string. */
const limit = z
  .union([z.number(), z.string()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got ${JSON.stringify(v)}` })
      return z.NEVER
    }
    return n
  })

/** One entry of the config file's `clients:` list. */
export const clientEntrySchema = z.strictObject({
  name: z.string().regex(NAME, 'must be 1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit'),
  key: z.string().trim().min(1, 'must not be empty'),
  rpm: limit,
  tpm: limit,
  daily_tokens: limit,
  tools_allow: z.array(z.string().min(1)).optional(),
  tools_deny: z.array(z.string().min(1)).optional(),
  capture: z.boolean().optional(),
})

/** The name a PROXY_API_KEYS key gets: `key-1` for the first, `key-2` for the second, … */
export const positionalName = (index: number) => `key-${index + 1}`

/** Only the limits that are set (an absent one is no limit). */
function limitsOf(own: { rpm?: number; tpm?: number; dailyTokens?: number }, defaults: ClientLimits): ClientLimits {
  const out: ClientLimits = {}
  const rpm = own.rpm ?? defaults.rpm
  const tpm = own.tpm ?? defaults.tpm
  const dailyTokens = own.dailyTokens ?? defaults.dailyTokens
  if (rpm !== undefined) out.rpm = rpm
  if (tpm !== undefined) out.tpm = tpm
  if (dailyTokens !== undefined) out.dailyTokens = dailyTokens
  return out
}

/**
 * Every client: PROXY_API_KEYS (named by position, with the default limits), then the config
 * file's `clients:` (each with its own limits over the defaults). A name or a key that appears
 * twice is a SettingsError (a key must say which client it is).
 */
export function parseClients(proxyKeys: string[], fromFile: unknown[] | undefined, defaults: ClientLimits): ClientEntry[] {
  const seen = new Map<string, number>()
  proxyKeys.forEach((key, i) => {
    const first = seen.get(key)
    if (first !== undefined) throw new SettingsError(`Invalid setting PROXY_API_KEYS: positions ${first + 1} and ${i + 1} hold the same key; each key names one client`)
    seen.set(key, i)
  })
  const out: ClientEntry[] = proxyKeys.map((key, i) => ({ name: positionalName(i), key, limits: limitsOf({}, defaults) }))
  const where = new Map<string, string>(out.map((c, i) => [c.key, `PROXY_API_KEYS (position ${i + 1})`]))
  const names = new Set(out.map((c) => c.name))
  ;(fromFile ?? []).forEach((raw, i) => {
    const parsed = clientEntrySchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const field = issue.path.length ? `.${issue.path.map(String).join('.')}` : ''
      throw new SettingsError(`Invalid config file clients[${i}]${field}: ${issue.message}`)
    }
    const { name, key, rpm, tpm, daily_tokens, tools_allow, tools_deny, capture } = parsed.data
    if (names.has(name))
      throw new SettingsError(
        `Invalid config file clients[${i}].name: "${name}" is used twice${/^key-\d+$/.test(name) ? ' (PROXY_API_KEYS keys are named key-1, key-2, … by position)' : ''}`,
      )
    const earlier = where.get(key)
    if (earlier) throw new SettingsError(`Invalid config file clients[${i}].key: the key of "${name}" is already the key of ${earlier}; each key names one client`)
    names.add(name)
    where.set(key, `clients[${i}] ("${name}")`)
    const tools = tools_allow || tools_deny ? { allow: tools_allow, deny: tools_deny } : undefined
    out.push({ name, key, limits: limitsOf({ rpm, tpm, dailyTokens: daily_tokens }, defaults), ...(tools ? { tools } : {}), ...(capture !== undefined ? { capture } : {}) })
  })
  return out
}
