import { z } from 'zod'
import { buildEndpoint } from '../endpoints/build-endpoint'
import { endpointDefinitionSchema, type EndpointSource } from '../endpoints/definition'
import { endpointsFromEnv } from '../endpoints/from-env'
import { CATALOGUE, type ProviderEntry } from '../providers/catalogue'
import { PROTOCOL_IDS, type ProtocolId, type UpstreamQuirks } from '../protocols/types'
import type { ConfigFile } from './config-file'
import { SettingsError } from './settings-error'
import { normaliseBaseUrl } from './base-url'
import { checkSettingNames } from './check-setting-names'
import { checkBackendName, checkSelector, checkSelectorParams, type SelectorContext } from './check-selectors'
import { isCompound, leaves, parsePlan } from '../resilience/selector-plan'
import { parseClients, type ClientEntry } from './clients'
import type { ClientLimits } from '../state/ports'
import { interactiveSchemaShape, interactiveSettings, type InteractiveSettings } from './interactive-settings'
import { captureSchemaShape, captureSettings, type CaptureSettings } from './capture-settings'
import { observeSchemaShape, observeSettings, type ObserveSettings } from './observe-settings'
import { accessSchemaShape, accessSettings, type AccessSettings } from './access-settings'
import { loginSchemaShape, loginSettings, type LoginSettings } from './login-settings'

export { SettingsError }

/** A back end ready to call: a provider entry plus the keys and overrides from the settings. */
export interface Backend {
  id: string
  /** The catalogue entry it derives from, or `openai-compatible`. */
  provider: string
  /** Where it was defined. */
  source: EndpointSource
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
  /** The setting that must hold its URL, when the catalogue has no usable default (Azure). */
  baseUrlSetting?: string
  /** Where its URL is set, for error messages (`OPENAI_BASE_URL`, `LLM_PROXY_ENDPOINT_BOX_URL`). */
  urlSetting?: string
}

export interface Alias {
  pattern: string
  target: string
}

export interface DiscoverySettings {
  enabled: boolean
  /** Hosts probed on every service port. */
  hosts: string[]
  /** LLM_PROXY_DISCOVERY_HOSTS was not set: `hosts` is the default list. */
  defaultHosts?: boolean
  /** Extra `host` (every port) or `host:port` entries. */
  peers: string[]
  /** Port per service; tests and unusual setups move them. */
  ports: Record<string, number>
  timeoutMs: number
}

export interface ResilienceSettings {
  /** `session`: each session sticks to one healthy key; `round-robin`: every request the next key. */
  keyRotation: 'session' | 'round-robin'
  /** When every key is cooling, a wait up to this long is waited out; longer is a 429. */
  retryMaxWaitMs: number
  /** Cooldown of a key whose 429 said no retry-after. */
  defaultCooldownMs: number
  /** Most attempts one request makes (keys and failover entries together). */
  maxAttempts: number
  /** Everything one request may spend on attempts and waits before its answer starts. */
  requestBudgetMs: number
  circuit: { failures: number; windowMs: number; openMs: number }
}

/** What the model table (src/models/model-table.ts) is built from, besides its built-in data. */
export interface ModelSettings {
  /** The config file's `models:` entries, as written (`backend:model`, a bare model, `*` globs). */
  entries: Array<[key: string, entry: ModelEntry]>
  /** `<PROVIDER>_CONTEXT_WINDOW`: provider id → the context window of all its models. */
  contextWindows: Map<string, number>
  /** REASONING_TOKEN_FLOOR: the fewest output tokens a reasoning model is asked for (0 = off). */
  reasoningTokenFloor: number
}

export type ModelEntry = NonNullable<ConfigFile['models']>[string]

export interface Settings {
  /** Every client key (PROXY_API_KEYS and the config file's `clients:`): authentication and the redactor. */
  clientKeys: string[]
  /** Named clients with their limits: `key-1`, `key-2`, … for PROXY_API_KEYS by position, then `clients:`. */
  clients: ClientEntry[]
  /** CLIENT_RPM, CLIENT_TPM, CLIENT_DAILY_TOKENS: the limits of a client that sets none of its own (and of `anonymous`). */
  clientLimits: ClientLimits
  /** Protects the registry API; unset means the API is off. */
  adminKey?: string
  /** As written: `backend` or `backend:model`, with optional `?param=value`. */
  defaultBackend?: { backend: string; model?: string }
  /** DEFAULT_BACKEND when it is a route name or a `|` / `^` selector: unlisted bare models take it. */
  defaultRoute?: string
  /** Every request uses this selector, whatever the client asked for. */
  forceModel?: string
  aliases: Alias[]
  discovery: DiscoverySettings
  modelList: { timeoutMs: number; cacheSeconds: number }
  maxBodyBytes: number
  upstreamTimeoutMs: number
  /** A stream whose upstream sends nothing for this long ends with a timeout error. */
  streamIdleTimeoutMs: number
  /** Stored Responses (the state store's expiring entries) are kept under this many bytes, oldest evicted first. */
  responsesStoreMaxBytes: number
  anthropicVersion: string
  /** Named failover routes: a model equal to a name uses its selectors (ROUTES, config `routes:`). */
  routes: Map<string, string[]>
  resilience: ResilienceSettings
  models: ModelSettings
  /** Sessions, in-chat commands and the guards on answers (src/interceptors/). */
  interactive: InteractiveSettings
  /** Wire capture's files, R2 batches and bounds (CAPTURE itself is the `capture` switch in `interactive`). */
  capture: CaptureSettings
  /** ACCESS_MODE and TRUSTED_PROXIES (src/access/). */
  access: AccessSettings
  logLevel: 'silent' | 'error' | 'info' | 'debug'
  /** LOG_FORMAT and METRICS_PUBLIC (src/config/observe-settings.ts). */
  observe: ObserveSettings
  backends: Map<string, Backend>
  /** The subscription back ends' credentials files and token URLs (src/config/login-settings.ts). */
  logins: LoginSettings
  /** Said once at start (and on Workers in /health): names that look like settings but are not. */
  warnings: string[]
  /** For the debug log: what was adjusted at load (a base URL's extra path). */
  notes: string[]
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

const positiveInt = <F extends number | undefined>(fallback: F) =>
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

/** A whole number > 0, or unset (no limit). */
const optionalPositiveInt = positiveInt(undefined)

/** A whole number ≥ 0 (a wait that may be off). */
function nonNegative(s: string | undefined, fallback: number, ctx: z.RefinementCtx): number {
  if (s === undefined || s === '') return fallback
  const n = Number(s)
  if (!Number.isInteger(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `must be a whole number of 0 or more, got "${s}"` })
    return z.NEVER
  }
  return n
}

const settingName = (providerId: string, suffix: string) =>
  `${providerId.toUpperCase().replace(/-/g, '_')}_${suffix}`

/** One schema for every runtime: the names are the same on Workers, Node and Deno. */
function buildSchema() {
  const shape: Record<string, z.ZodType> = {
    PROXY_API_KEYS: list,
    DEFAULT_BACKEND: z.string().optional(),
    MAX_BODY_BYTES: positiveInt(32 * 1024 * 1024),
    UPSTREAM_TIMEOUT_MS: positiveInt(600_000),
    STREAM_IDLE_TIMEOUT_MS: positiveInt(120_000),
    RESPONSES_STORE_MAX_BYTES: positiveInt(64 * 1024 * 1024),
    ANTHROPIC_VERSION: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2023-06-01')
      .optional()
      .default('2023-06-01'),
    LOG_LEVEL: z.enum(['silent', 'error', 'info', 'debug']).optional().default('info'),
    ADMIN_API_KEY: z.string().optional(),
    FORCE_MODEL: z.string().optional(),
    MODEL_ALIASES: z.string().optional(),
    LLM_PROXY_LOCAL_DISCOVERY: z.enum(['0', '1', 'false', 'true', 'off', 'on']).optional(),
    LLM_PROXY_DISCOVERY_HOSTS: list,
    LLM_PROXY_DISCOVERY_PEERS: list,
    LLM_PROXY_DISCOVERY_PORTS: list,
    LLM_PROXY_DISCOVERY_TIMEOUT_MS: positiveInt(400),
    MODEL_LIST_TIMEOUT_MS: positiveInt(1500),
    MODEL_LIST_CACHE_SECONDS: positiveInt(60),
    ROUTES: z.string().optional(),
    KEY_ROTATION: z.enum(['session', 'round-robin']).optional().default('session'),
    RETRY_MAX_WAIT_S: z.string().optional().transform((s, ctx) => nonNegative(s, 10, ctx)),
    KEY_COOLDOWN_S: positiveInt(60),
    MAX_ATTEMPTS: positiveInt(6),
    REQUEST_BUDGET_MS: positiveInt(900_000),
    CIRCUIT_FAILURES: positiveInt(3),
    CIRCUIT_WINDOW_S: positiveInt(30),
    CIRCUIT_OPEN_S: positiveInt(30),
    REASONING_TOKEN_FLOOR: z.string().optional().transform((s, ctx) => nonNegative(s, 512, ctx)),
    CLIENT_RPM: optionalPositiveInt,
    CLIENT_TPM: optionalPositiveInt,
    CLIENT_DAILY_TOKENS: optionalPositiveInt,
    ...interactiveSchemaShape(),
    ...captureSchemaShape(),
    ...observeSchemaShape(),
    ...accessSchemaShape(),
    ...loginSchemaShape(),
  }
  for (const p of CATALOGUE) {
    shape[settingName(p.id, 'API_KEY')] = list
    shape[settingName(p.id, 'BASE_URL')] = url
    shape[settingName(p.id, 'MODELS')] = list
    shape[settingName(p.id, 'PROTOCOL')] = z.enum(PROTOCOL_IDS).optional()
    shape[settingName(p.id, 'CONTEXT_WINDOW')] = positiveInt(0)
    if (p.pathTemplate) shape[settingName(p.id, 'API_VERSION')] = z.string().regex(/^[\w.-]+$/, 'must be an API version like 2024-10-21').optional()
  }
  return z.object(shape)
}

const schema = buildSchema()
/** Every setting's name (the schema's), for spotting look-alikes. */
export const SETTING_NAMES: ReadonlySet<string> = new Set(Object.keys(schema.shape))

/**
 * Reads the settings from a flat string map (Worker bindings, `.dev.vars`, or the
 * process environment plus `.env`) over the config file's `settings`. Throws a
 * SettingsError naming the bad setting.
 */
export function loadSettings(env: Record<string, unknown>, config: ConfigFile = {}): Settings {
  const warnings = checkSettingNames(env, config.settings, SETTING_NAMES)
  const notes: string[] = []
  const strings: Record<string, string> = { ...(config.settings ?? {}) }
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') strings[k] = v
  const parsed = schema.safeParse(strings)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new SettingsError(`Invalid setting ${String(issue.path[0])}: ${issue.message}`)
  }
  const s = parsed.data as Record<string, any>

  const backends = new Map<string, Backend>()
  const logins = loginSettings(s)
  for (const p of CATALOGUE) {
    const shared = p.sharesSettingsWith
    let keys: string[] = s[settingName(p.id, 'API_KEY')]
    let keySetting = settingName(p.id, 'API_KEY')
    if (!keys.length && shared) {
      keys = s[settingName(shared, 'API_KEY')]
      keySetting = settingName(shared, 'API_KEY')
    }
    const urlSetting = s[settingName(p.id, 'BASE_URL')] !== undefined || !shared ? settingName(p.id, 'BASE_URL') : settingName(shared, 'BASE_URL')
    const protocol: ProtocolId = s[settingName(p.id, 'PROTOCOL')] ?? p.protocol
    let baseUrl: string | undefined = s[urlSetting]
    if (baseUrl !== undefined) {
      const fixed = normaliseBaseUrl(baseUrl, protocol)
      if (fixed.dropped) notes.push(`${urlSetting}: dropped "${fixed.dropped}" from its end (the gateway adds that path itself)`)
      baseUrl = fixed.url
    }
    const models: string[] = s[settingName(p.id, 'MODELS')]
    // A subscription back end's keys are credentials files; the CLI's own file counts once it is seen to exist.
    const login = logins.get(p.id)
    if (login) [keys, keySetting] = [login.files, login.setting]
    // A deployment-style host (Azure) has no usable default URL: it needs its own.
    const configured = login ? login.explicit : (keys.length > 0 || (!p.keyRequired && baseUrl !== undefined)) && (!p.baseUrlRequired || baseUrl !== undefined)
    backends.set(p.id, {
      id: p.id,
      provider: p.id,
      source: configured ? 'env' : 'catalogue',
      protocol,
      baseUrl: baseUrl ?? p.baseUrl,
      urlSetting,
      auth: p.auth,
      keys,
      keySetting,
      keyRequired: p.keyRequired,
      models: models.length ? models : p.models,
      modelPatterns: p.modelPatterns ?? [],
      quirks: p.quirks ?? {},
      headers: p.headers ?? {},
      configured,
      baseUrlSetting: p.baseUrlRequired && baseUrl === undefined ? settingName(p.id, 'BASE_URL') : undefined,
      pathTemplate: p.pathTemplate?.replace('{apiVersion}', s[settingName(p.id, 'API_VERSION')] ?? p.apiVersion ?? ''),
    })
  }

  // Explicit endpoints: the config file's, then the environment's (which win on the same id).
  ;(config.endpoints ?? []).forEach((raw, i) => {
    const def = endpointDefinitionSchema.safeParse(raw)
    if (!def.success) throw new SettingsError(`Invalid config file endpoints[${i}]: ${describeIssue(def.error.issues[0]!)}`)
    backends.set(def.data.id, { ...wrap(() => buildEndpoint(def.data, 'config'), `config file endpoints[${i}]`), urlSetting: `config file endpoints[${i}].url` })
  })
  for (const { setting, definition } of endpointsFromEnv(strings)) {
    const def = endpointDefinitionSchema.safeParse(definition)
    if (!def.success) {
      const issue = def.error.issues[0]!
      const field = { url: 'URL', key: 'KEY', models: 'MODELS', provider: 'PROVIDER', id: 'URL' }[String(issue.path[0])] ?? 'URL'
      throw new SettingsError(`Invalid setting ${setting}_${field}: ${issue.path[0] === 'url' && issue.code === 'invalid_type' ? 'required' : issue.message}`)
    }
    backends.set(def.data.id, { ...wrap(() => buildEndpoint(def.data, 'env'), `${setting}_PROVIDER`), urlSetting: `${setting}_URL` })
  }

  const discoveryFlag: string | undefined = s.LLM_PROXY_LOCAL_DISCOVERY
  const discoveryEnabled = !['0', 'false', 'off'].includes(discoveryFlag ?? '')
  // Selectors in settings are checked now, as a request's model would be later.
  const selectors: SelectorContext = { backends, discovery: discoveryEnabled, registry: Boolean(s.ADMIN_API_KEY), warn: (m) => warnings.push(m) }
  const routes = parseRoutes(s.ROUTES, config.routes)
  const checkPlan = (setting: string, selector: string) => {
    let all: string[]
    try {
      all = leaves(parsePlan(selector, routes))
    } catch (err) {
      throw new SettingsError(`Invalid setting ${setting}: ${(err as Error).message}`)
    }
    for (const leaf of all) checkSelector(setting, leaf, selectors)
  }
  for (const [name, chain] of routes) chain.forEach((sel, i) => checkPlan(`route "${name}" entry ${i + 1}`, sel))
  let defaultBackend: Settings['defaultBackend']
  let defaultRoute: string | undefined
  if (s.DEFAULT_BACKEND && isCompound(s.DEFAULT_BACKEND, routes)) {
    checkPlan('DEFAULT_BACKEND', s.DEFAULT_BACKEND)
    defaultRoute = s.DEFAULT_BACKEND
  } else if (s.DEFAULT_BACKEND) {
    const raw: string = s.DEFAULT_BACKEND
    const at = raw.indexOf(':')
    const backend = at === -1 ? raw : raw.slice(0, at)
    checkBackendName('DEFAULT_BACKEND', backend, selectors)
    if (at !== -1 && raw.slice(at + 1)) checkSelectorParams('DEFAULT_BACKEND', raw.slice(at + 1))
    defaultBackend = at === -1 ? { backend } : { backend, model: raw.slice(at + 1) || undefined }
  }
  if (s.FORCE_MODEL) checkPlan('FORCE_MODEL', s.FORCE_MODEL)
  const aliases = parseAliases(s.MODEL_ALIASES, config.aliases)
  for (const a of aliases) checkPlan(`${a.fromFile ? 'config file aliases' : 'MODEL_ALIASES'} (target of "${a.pattern}")`, a.target)

  const contextWindows = new Map<string, number>()
  for (const p of CATALOGUE) if (s[settingName(p.id, 'CONTEXT_WINDOW')]) contextWindows.set(p.id, s[settingName(p.id, 'CONTEXT_WINDOW')])
  const modelEntries = Object.entries(config.models ?? {})
  for (const [key] of modelEntries) {
    const at = key.indexOf(':')
    const backend = at === -1 ? undefined : key.slice(0, at)
    if (backend !== undefined && !backend.includes('*') && !backends.has(backend))
      warnings.push(`config file models: "${key}" names the back end "${backend}", which is not configured (yet): the entry applies once it is`)
  }

  const ports: Record<string, number> = { ollama: 11434, lmstudio: 1234, vllm: 8000, litellm: 4000 }
  for (const entry of s.LLM_PROXY_DISCOVERY_PORTS as string[]) {
    const m = /^([a-z]+):(\d+)$/.exec(entry)
    if (!m || !Object.hasOwn(ports, m[1]!))
      throw new SettingsError(`Invalid setting LLM_PROXY_DISCOVERY_PORTS: "${entry}" is not service:port (services: ${Object.keys(ports).join(', ')})`)
    ports[m[1]!] = Number(m[2])
  }

  const clientLimits: ClientLimits = {}
  if (s.CLIENT_RPM !== undefined) clientLimits.rpm = s.CLIENT_RPM
  if (s.CLIENT_TPM !== undefined) clientLimits.tpm = s.CLIENT_TPM
  if (s.CLIENT_DAILY_TOKENS !== undefined) clientLimits.dailyTokens = s.CLIENT_DAILY_TOKENS
  const clients = parseClients(s.PROXY_API_KEYS, config.clients, clientLimits)

  return {
    clientKeys: clients.map((c) => c.key),
    clients,
    clientLimits,
    adminKey: s.ADMIN_API_KEY || undefined,
    forceModel: s.FORCE_MODEL || undefined,
    aliases: aliases.map(({ pattern, target }) => ({ pattern, target })),
    discovery: {
      enabled: discoveryEnabled,
      hosts: (s.LLM_PROXY_DISCOVERY_HOSTS as string[]).length ? s.LLM_PROXY_DISCOVERY_HOSTS : ['127.0.0.1', 'host.docker.internal'],
      defaultHosts: !(s.LLM_PROXY_DISCOVERY_HOSTS as string[]).length,
      peers: s.LLM_PROXY_DISCOVERY_PEERS,
      ports,
      timeoutMs: s.LLM_PROXY_DISCOVERY_TIMEOUT_MS,
    },
    modelList: { timeoutMs: s.MODEL_LIST_TIMEOUT_MS, cacheSeconds: s.MODEL_LIST_CACHE_SECONDS },
    defaultBackend,
    defaultRoute,
    maxBodyBytes: s.MAX_BODY_BYTES,
    upstreamTimeoutMs: s.UPSTREAM_TIMEOUT_MS,
    streamIdleTimeoutMs: s.STREAM_IDLE_TIMEOUT_MS,
    responsesStoreMaxBytes: s.RESPONSES_STORE_MAX_BYTES,
    anthropicVersion: s.ANTHROPIC_VERSION,
    routes,
    resilience: {
      keyRotation: s.KEY_ROTATION,
      retryMaxWaitMs: s.RETRY_MAX_WAIT_S * 1000,
      defaultCooldownMs: s.KEY_COOLDOWN_S * 1000,
      maxAttempts: s.MAX_ATTEMPTS,
      requestBudgetMs: s.REQUEST_BUDGET_MS,
      circuit: { failures: s.CIRCUIT_FAILURES, windowMs: s.CIRCUIT_WINDOW_S * 1000, openMs: s.CIRCUIT_OPEN_S * 1000 },
    },
    models: { entries: modelEntries, contextWindows, reasoningTokenFloor: s.REASONING_TOKEN_FLOOR },
    interactive: interactiveSettings(s, config),
    capture: captureSettings(s),
    access: accessSettings(s),
    logLevel: s.LOG_LEVEL,
    observe: observeSettings(s),
    backends,
    logins,
    warnings,
    notes,
  }
}

function describeIssue(issue: { path: PropertyKey[]; message: string }): string {
  return issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message
}

function wrap<T>(build: () => T, where: string): T {
  try {
    return build()
  } catch (err) {
    throw new SettingsError(`Invalid ${where}: ${(err as Error).message}`)
  }
}

/**
 * Named routes: ROUTES as JSON `{"name": ["selector", …]}` over the config file's `routes:` (the
 * setting wins on the same name). Each entry is a full selector, itself possibly `a|b` or `a^b`.
 */
function parseRoutes(raw: string | undefined, fromFile: Record<string, string[]> = {}): Map<string, string[]> {
  const map = new Map<string, string[]>(Object.entries(fromFile))
  if (raw && raw.trim()) {
    let obj: unknown
    try {
      obj = JSON.parse(raw)
    } catch (err) {
      throw new SettingsError(`Invalid setting ROUTES: not valid JSON (${(err as Error).message})`)
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new SettingsError('Invalid setting ROUTES: must be a JSON object {"name": ["selector", …]}')
    for (const [name, chain] of Object.entries(obj)) {
      const list = typeof chain === 'string' ? [chain] : chain
      if (!Array.isArray(list) || !list.length || list.some((x) => typeof x !== 'string' || !x.trim()))
        throw new SettingsError(`Invalid setting ROUTES: route "${name}" must be a non-empty list of selectors`)
      map.set(name, list as string[])
    }
  }
  for (const name of map.keys())
    if (/[|^?:\s]/.test(name)) throw new SettingsError(`Invalid route name "${name}": a route name has no ":", "|", "^", "?" or spaces`)
  return map
}

/**
 * MODEL_ALIASES as a JSON object (`{"claude-3-5-haiku*":"openrouter:qwen/qwen3-coder"}`) or a comma
 * list of `pattern=selector`; over the config file's `aliases` (the variable wins on the same pattern).
 */
function parseAliases(raw: string | undefined, fromFile: Record<string, string> = {}): Array<Alias & { fromFile: boolean }> {
  // A Map: a pattern such as `__proto__` or `constructor` is a pattern like any other.
  const map = new Map<string, string>(Object.entries(fromFile))
  const fromEnv = new Set<string>()
  if (raw && raw.trim()) {
    if (raw.trim().startsWith('{')) {
      let obj: unknown
      try {
        obj = JSON.parse(raw)
      } catch (err) {
        throw new SettingsError(`Invalid setting MODEL_ALIASES: not valid JSON (${(err as Error).message})`)
      }
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SettingsError(`Invalid setting MODEL_ALIASES: the target of "${k}" must be a string`)
        map.set(k, v)
        fromEnv.add(k)
      }
    } else
      for (const pair of raw.split(',')) {
        const at = pair.indexOf('=')
        if (at <= 0 || at === pair.length - 1)
          throw new SettingsError(`Invalid setting MODEL_ALIASES: "${pair.trim()}" is not pattern=selector`)
        map.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
        fromEnv.add(pair.slice(0, at).trim())
      }
  }
  return [...map].map(([pattern, target]) => ({ pattern, target, fromFile: !fromEnv.has(pattern) }))
}
