import type { Backend, Settings } from '../config/settings'
import type { EndpointTable } from '../endpoints/endpoint-table'
import { MIN_SECRET_LENGTH, Redactor } from './redactor'

/** Header names whose values are credentials (an endpoint's own `headers` may carry one). */
const CREDENTIAL_HEADER = /authorization|api[-_]?key|token|secret|password|cookie/i

function backendSecrets(b: Backend, out: Set<string>): void {
  for (const k of b.keys) out.add(k)
  for (const [name, value] of Object.entries(b.headers)) {
    if (!CREDENTIAL_HEADER.test(name)) continue
    out.add(value)
    const scheme = /^(bearer|basic|token)\s+(.+)$/i.exec(value)
    if (scheme) out.add(scheme[2]!)
  }
}

/**
 * Every secret the gateway holds: each back end's keys (catalogue settings,
 * LLM_PROXY_ENDPOINT_* variables, the config file, the registry, discovery),
 * credentials in an endpoint's extra headers, the client keys and the admin key.
 */
export function gatewaySecrets(settings: Settings, endpoints: EndpointTable): Set<string> {
  const out = new Set<string>()
  for (const k of settings.clientKeys) out.add(k)
  if (settings.adminKey) out.add(settings.adminKey)
  for (const b of settings.backends.values()) backendSecrets(b, out)
  for (const b of endpoints.registryEntries()) backendSecrets(b, out)
  for (const b of endpoints.all()) backendSecrets(b, out)
  return out
}

/**
 * Secrets the gateway learns while it runs rather than from its settings: the CLI logins' access
 * and refresh tokens (src/subscriptions/), as read from their credentials files or handed out by a
 * refresh, and what a service account signs. Each source (one credentials file of one back end)
 * holds its current secrets and the ones before them (a request signed just before a refresh may
 * still be answering), so memory stays bounded however often tokens are refreshed. A change bumps
 * `version`, which the runtime's redactor compares on each use (one number); learning what a source
 * already holds changes nothing.
 */
export class LearnedSecrets {
  version = 0
  readonly #sources = new Map<string, { current: Set<string>; previous: Set<string> }>()

  learn(source: string, secrets: Iterable<string | undefined>): void {
    const next = new Set<string>()
    // Short strings would match ordinary text; no token is that short.
    for (const s of secrets) if (typeof s === 'string' && s.length >= MIN_SECRET_LENGTH) next.add(s)
    const had = this.#sources.get(source)
    if (had && next.size === had.current.size && [...next].every((s) => had.current.has(s))) return
    this.#sources.set(source, { current: next, previous: had?.current ?? new Set() })
    this.version++
  }

  *values(): Iterable<string> {
    for (const { current, previous } of this.#sources.values()) {
      yield* current
      yield* previous
    }
  }
}

/**
 * The runtime's redactor, kept current: rebuilt only when the endpoint table
 * changes (a registry edit, a discovery run) or a secret is learnt (a login's
 * token read or refreshed), not per request.
 */
export function currentRedactor(settings: Settings, endpoints: EndpointTable, learned?: LearnedSecrets): () => Redactor {
  let version = -1
  let learnedVersion = -1
  let redactor = Redactor.none
  return () => {
    if (endpoints.version !== version || (learned !== undefined && learned.version !== learnedVersion)) {
      version = endpoints.version
      const secrets = gatewaySecrets(settings, endpoints)
      if (learned) {
        learnedVersion = learned.version
        for (const s of learned.values()) secrets.add(s)
      }
      redactor = new Redactor(secrets)
    }
    return redactor
  }
}
