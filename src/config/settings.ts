import { z } from 'zod'
import { CATALOGUE, type ProviderEntry } from '../providers/catalogue'
import { PROTOCOL_IDS, type ProtocolId, type UpstreamQuirks } from '../protocols/types'

/** A back end ready to call: a provider entry plus the keys and overrides from the settings. */
export interface Backend {
  id: string
  protocol: ProtocolId
  baseUrl: string
  auth: ProviderEntry['auth']
  keys: string[]
  /** The setting that holds the keys, for error messages. */
  keySetting: string
  keyRequired: boolean
  models: string[]
  modelPatterns: string[]
  quirks: UpstreamQuirks
  headers: Record<string, string>
  /** Usable now: it has a key, or it needs none and its URL was set. */
  configured: boolean
  /** See ProviderEntry.pathTemplate; already holds the API version. */
  pathTemplate?: string
}

export interface Settings {
  clientKeys: string[]
  defaultBackend?: { backend: string; model?: string }
  maxBodyBytes: number
  upstreamTimeoutMs: number
  anthropicVersion: string
  logLevel: 'silent' | 'error' | 'info' | 'debug'
  backends: Map<string, Backend>
}

export class SettingsError extends Error {
  override name = 'SettingsError'
}

const list = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))

const url = z
  .string()
  .optional()
  .refine((s) => s === undefined || s === '' || /^https?:\/\/[^\s]+$/.test(s), 'must be an http(s) URL')
  .transform((s) => (s ? s.replace(/\/+$/, '') : undefined))

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return fallback
      const n = Number(s)
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got "${s}"` })
        return z.NEVER
      }
      return n
    })

const settingName = (providerId: string, suffix: string) =>
  `${providerId.toUpperCase().replace(/-/g, '_')}_${suffix}`

/** One schema for every runtime: the names are the same on Workers, Node and Deno. */
function buildSchema() {
  const shape: Record<string, z.ZodType> = {
    PROXY_API_KEYS: list,
    DEFAULT_BACKEND: z.string().optional(),
    MAX_BODY_BYTES: positiveInt(32 * 1024 * 1024),
    UPSTREAM_TIMEOUT_MS: positiveInt(600_000),
    ANTHROPIC_VERSION: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2023-06-01')
      .optional()
      .default('2023-06-01'),
    LOG_LEVEL: z.enum(['silent', 'error', 'info', 'debug']).optional().default('info'),
  }
  for (const p of CATALOGUE) {
    shape[settingName(p.id, 'API_KEY')] = list
    shape[settingName(p.id, 'BASE_URL')] = url
    shape[settingName(p.id, 'MODELS')] = list
    shape[settingName(p.id, 'PROTOCOL')] = z.enum(PROTOCOL_IDS).optional()
    if (p.pathTemplate) shape[settingName(p.id, 'API_VERSION')] = z.string().regex(/^[\w.-]+$/, 'must be an API version like 2024-10-21').optional()
  }
  return z.object(shape)
}

const schema = buildSchema()

/**
 * Reads the settings from a flat string map (Worker bindings, `.dev.vars`, or the
 * process environment plus `.env`). Throws a SettingsError naming the bad setting.
 */
export function loadSettings(env: Record<string, unknown>): Settings {
  const strings: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') strings[k] = v
  const parsed = schema.safeParse(strings)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new SettingsError(`Invalid setting ${String(issue.path[0])}: ${issue.message}`)
  }
  const s = parsed.data as Record<string, any>

  const backends = new Map<string, Backend>()
  for (const p of CATALOGUE) {
    const shared = p.sharesSettingsWith
    let keys: string[] = s[settingName(p.id, 'API_KEY')]
    let keySetting = settingName(p.id, 'API_KEY')
    if (!keys.length && shared) {
      keys = s[settingName(shared, 'API_KEY')]
      keySetting = settingName(shared, 'API_KEY')
    }
    const baseUrl: string | undefined = s[settingName(p.id, 'BASE_URL')] ?? (shared ? s[settingName(shared, 'BASE_URL')] : undefined)
    const models: string[] = s[settingName(p.id, 'MODELS')]
    backends.set(p.id, {
      id: p.id,
      protocol: s[settingName(p.id, 'PROTOCOL')] ?? p.protocol,
      baseUrl: baseUrl ?? p.baseUrl,
      auth: p.auth,
      keys,
      keySetting,
      keyRequired: p.keyRequired,
      models: models.length ? models : p.models,
      modelPatterns: p.modelPatterns ?? [],
      quirks: p.quirks ?? {},
      headers: p.headers ?? {},
      configured: keys.length > 0 || (!p.keyRequired && baseUrl !== undefined),
      pathTemplate: p.pathTemplate?.replace('{apiVersion}', s[settingName(p.id, 'API_VERSION')] ?? p.apiVersion ?? ''),
    })
  }

  let defaultBackend: Settings['defaultBackend']
  if (s.DEFAULT_BACKEND) {
    const raw: string = s.DEFAULT_BACKEND
    const at = raw.indexOf(':')
    const backend = at === -1 ? raw : raw.slice(0, at)
    if (!backends.has(backend))
      throw new SettingsError(
        `Invalid setting DEFAULT_BACKEND: unknown back end "${backend}" (known: ${[...backends.keys()].join(', ')})`,
      )
    defaultBackend = at === -1 ? { backend } : { backend, model: raw.slice(at + 1) || undefined }
  }

  return {
    clientKeys: s.PROXY_API_KEYS,
    defaultBackend,
    maxBodyBytes: s.MAX_BODY_BYTES,
    upstreamTimeoutMs: s.UPSTREAM_TIMEOUT_MS,
    anthropicVersion: s.ANTHROPIC_VERSION,
    logLevel: s.LOG_LEVEL,
    backends,
  }
}
