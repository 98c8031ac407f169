import { z } from 'zod'
import { CATALOGUE } from '../providers/catalogue'
import { LOGIN_KINDS } from '../subscriptions/kinds'
import { GEMINI_CLI_LOGIN_KINDS } from '../subscriptions/gemini-cli/logins'

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
  /** `<PROVIDER>_TOKEN_URL` was set (the Gemini CLI logins otherwise use Google's, or a key's own `token_uri`). */
  tokenUrlSet: boolean
  /** The kind's own settings' values (`CODEX_HOME`, `GOOGLE_CLOUD_PROJECT`…). */
  vars: Readonly<Record<string, string | undefined>>
}

/** What the settings need of a login kind, from either table (src/subscriptions/kinds.ts, gemini-cli/logins.ts). */
interface KindSettings {
  defaultFile(vars: Readonly<Record<string, string | undefined>>): string
  extraSettings?: readonly string[]
  tokenUrl?: string
}

/** The Gemini CLI's logins read these, as the CLI does. */
const GEMINI_EXTRA = ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_PROJECT_ID', 'GOOGLE_APPLICATION_CREDENTIALS'] as const

function kindSettings(id: string): KindSettings | undefined {
  const own = LOGIN_KINDS[id]
  if (own) return own
  const gemini = GEMINI_CLI_LOGIN_KINDS[id]
  return gemini && { defaultFile: (vars) => gemini.defaultFile(vars), extraSettings: GEMINI_EXTRA }
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

const loginEntries = () => CATALOGUE.filter((p) => p.auth === 'login' && kindSettings(p.id))

/** `<PROVIDER>_CREDENTIALS_FILE`, `<PROVIDER>_TOKEN_URL` and the kinds' own settings (`CODEX_HOME`), for the one schema. */
export function loginSchemaShape(): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {}
  for (const p of loginEntries()) {
    shape[name(p.id, 'CREDENTIALS_FILE')] = files
    shape[name(p.id, 'TOKEN_URL')] = url
    for (const extra of kindSettings(p.id)!.extraSettings ?? []) shape[extra] = z.string().optional()
  }
  return shape
}

/** The subscription back ends' settings from the parsed settings. */
export function loginSettings(s: Record<string, any>): LoginSettings {
  const out = new Map<string, LoginBackendSettings>()
  for (const p of loginEntries()) {
    const kind = kindSettings(p.id)!
    const given: string[] = s[name(p.id, 'CREDENTIALS_FILE')]
    const vars: Record<string, string | undefined> = {}
    for (const extra of kind.extraSettings ?? []) vars[extra] = s[extra] || undefined
    out.set(p.id, {
      files: given.length ? given : [kind.defaultFile(vars)],
      explicit: given.length > 0,
      setting: name(p.id, 'CREDENTIALS_FILE'),
      tokenUrl: (s[name(p.id, 'TOKEN_URL')] || kind.tokenUrl || '').replace(/\/+$/, ''),
      baseUrlSet: Boolean(s[name(p.id, 'BASE_URL')]),
      tokenUrlSet: Boolean(s[name(p.id, 'TOKEN_URL')]),
      vars,
    })
  }
  return out
}
