import { z } from 'zod'
import { CATALOGUE } from '../providers/catalogue'
import { LOGIN_KINDS } from '../subscriptions/kinds'

/** One subscription back end's settings (a catalogue entry with `auth: 'login'`). */
export interface LoginBackendSettings {
  /** The credentials files, the back end's key pool (rotated, cooled and retired like keys). */
  files: string[]
  /** `<PROVIDER>_CREDENTIALS_FILE` was set; else `files` is the CLI's own file, used only when it exists. */
  explicit: boolean
  /** `<PROVIDER>_CREDENTIALS_FILE`, for messages. */
  setting: string
  /** Where refreshes go: `<PROVIDER>_TOKEN_URL`, else the CLI's own. */
  tokenUrl: string
  /** `<PROVIDER>_BASE_URL` was set: it wins over a base URL the credentials file names. */
  baseUrlSet: boolean
}

/** By catalogue id. */
export type LoginSettings = ReadonlyMap<string, LoginBackendSettings>

const name = (id: string, suffix: string) => `${id.toUpperCase().replace(/-/g, '_')}_${suffix}`

const files = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))

const url = z
  .string()
  .optional()
  .refine((s) => s === undefined || s === '' || /^https?:\/\/[^\s]+$/.test(s), 'must be an http(s) URL')

const loginEntries = () => CATALOGUE.filter((p) => p.auth === 'login' && LOGIN_KINDS[p.id])

/** `<PROVIDER>_CREDENTIALS_FILE`, `<PROVIDER>_TOKEN_URL` and the kinds' own settings (`CODEX_HOME`), for the one schema. */
export function loginSchemaShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {}
  for (const p of loginEntries()) {
    shape[name(p.id, 'CREDENTIALS_FILE')] = files
    shape[name(p.id, 'TOKEN_URL')] = url
    for (const extra of LOGIN_KINDS[p.id]!.extraSettings ?? []) shape[extra] = z.string().optional()
  }
  return shape
}

/** The subscription back ends' settings from the parsed settings. */
export function loginSettings(s: Record<string, any>): LoginSettings {
  const out = new Map<string, LoginBackendSettings>()
  for (const p of loginEntries()) {
    const kind = LOGIN_KINDS[p.id]!
    const given: string[] = s[name(p.id, 'CREDENTIALS_FILE')]
    const vars: Record<string, string | undefined> = {}
    for (const extra of kind.extraSettings ?? []) vars[extra] = s[extra] || undefined
    out.set(p.id, {
      files: given.length ? given : [kind.defaultFile(vars)],
      explicit: given.length > 0,
      setting: name(p.id, 'CREDENTIALS_FILE'),
      tokenUrl: (s[name(p.id, 'TOKEN_URL')] || kind.tokenUrl).replace(/\/+$/, ''),
      baseUrlSet: Boolean(s[name(p.id, 'BASE_URL')]),
    })
  }
  return out
}
