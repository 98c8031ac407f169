import type { Backend } from '../config/settings'
import { invalidRequest } from '../hub/errors'
import { CATALOGUE } from '../providers/catalogue'
import type { EndpointDefinition, EndpointSource } from './definition'

const GENERIC = {
  protocol: 'openai-chat' as const,
  auth: 'bearer' as const,
  quirks: { reasoningHistory: 'none' as const },
  headers: {},
}

/** A user-defined endpoint as a back end: its provider's data, with the definition's URL, keys and models. */
export function buildEndpoint(def: EndpointDefinition, source: EndpointSource): Backend {
  const entry = def.provider === 'openai-compatible' ? undefined : CATALOGUE.find((p) => p.id === def.provider)
  if (def.provider !== 'openai-compatible' && !entry)
    throw invalidRequest(
      `endpoint "${def.id}": unknown provider "${def.provider}" (use openai-compatible or one of: ${CATALOGUE.map((p) => p.id).join(', ')})`,
      'provider',
    )
  const base = entry ?? GENERIC
  const keys = def.key ? def.key.split(',').map((k) => k.trim()).filter(Boolean) : []
  return {
    id: def.id,
    provider: def.provider,
    source,
    protocol: def.protocol ?? base.protocol,
    baseUrl: def.url,
    auth: base.auth,
    keys,
    keySetting: `the "${def.id}" endpoint's key`,
    keyRequired: false,
    models: def.models ?? [],
    modelPatterns: [],
    quirks: base.quirks ?? {},
    headers: { ...(base.headers ?? {}), ...(def.headers ?? {}) },
    configured: true,
    pathTemplate: entry?.pathTemplate?.replace('{apiVersion}', entry.apiVersion ?? ''),
  }
}
