import type { EndpointDefinition } from './definition'

const PREFIX = 'LLM_PROXY_ENDPOINT_'
const FIELDS = ['URL', 'KEY', 'MODELS', 'PROVIDER'] as const

/**
 * `LLM_PROXY_ENDPOINT_<NAME>_URL` (required), `_KEY`, `_MODELS` (comma list) and
 * `_PROVIDER` (default openai-compatible) as raw definitions; NAME, lower-cased
 * with `_` → `-`, is the back end id. Returns the setting names too, for errors.
 */
export function endpointsFromEnv(env: Record<string, string>): Array<{ setting: string; definition: Record<string, unknown> }> {
  const byName = new Map<string, Partial<Record<(typeof FIELDS)[number], string>>>()
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(PREFIX)) continue
    const rest = key.slice(PREFIX.length)
    const field = FIELDS.find((f) => rest.endsWith(`_${f}`))
    if (!field) continue
    const name = rest.slice(0, -(field.length + 1))
    if (!name) continue
    byName.set(name, { ...byName.get(name), [field]: value })
  }
  const out: Array<{ setting: string; definition: Record<string, unknown> }> = []
  for (const [name, f] of byName) {
    const definition: Record<string, unknown> = { id: name.toLowerCase().replace(/_/g, '-'), url: f.URL }
    if (f.KEY) definition.key = f.KEY
    if (f.MODELS) definition.models = f.MODELS.split(',').map((m) => m.trim()).filter(Boolean)
    if (f.PROVIDER) definition.provider = f.PROVIDER
    out.push({ setting: `${PREFIX}${name}`, definition })
  }
  return out
}

export type { EndpointDefinition }
