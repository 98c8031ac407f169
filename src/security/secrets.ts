import type { Backend, Settings } from '../config/settings'
import type { EndpointTable } from '../endpoints/endpoint-table'
import { Redactor } from './redactor'

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
 * The runtime's redactor, kept current: rebuilt only when the endpoint table
 * changes (a registry edit, a discovery run), not per request.
 */
export function currentRedactor(settings: Settings, endpoints: EndpointTable): () => Redactor {
  let version = -1
  let redactor = Redactor.none
  return () => {
    if (endpoints.version !== version) {
      version = endpoints.version
      redactor = new Redactor(gatewaySecrets(settings, endpoints))
    }
    return redactor
  }
}
