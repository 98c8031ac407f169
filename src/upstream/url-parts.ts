/**
 * Client-supplied parts of upstream URLs, encoded so that they stay what they
 * are: one path segment, or query parameters that cannot override the gateway's.
 */

/**
 * A Gemini model's resource name for a path: `models/<id>` or
 * `tunedModels/<id>` (Gemini's two forms), each id one encoded segment. Any
 * other `/` in the id is encoded, so it can never reach another path.
 */
export function geminiModelResource(model: string): string {
  const bare = model.startsWith('models/') ? model.slice('models/'.length) : model
  if (bare.startsWith('tunedModels/')) {
    const id = bare.slice('tunedModels/'.length)
    if (id && !id.includes('/')) return `tunedModels/${encodeURIComponent(id)}`
  }
  return `models/${encodeURIComponent(bare)}`
}

/** The same resource name unencoded, as Gemini bodies carry it (`generateContentRequest.model`). */
export function geminiModelName(model: string): string {
  return model.startsWith('models/') || model.startsWith('tunedModels/') ? model : `models/${model}`
}

/** Query parameters a client may never set upstream: its key, and the response format the gateway chose. */
const CLIENT_QUERY_DROPPED = new Set(['key', 'alt', '$alt'])

/**
 * The upstream path plus the client's query string, re-encoded, minus its key:
 * `?beta=true` reaches Anthropic, `?key=` never leaves the gateway, Gemini's
 * `alt` is decided by the path itself, and a parameter the path already sets
 * (Azure's `api-version`) stays the gateway's.
 */
export function withClientQuery(path: string, url: URL): string {
  if (!url.search) return path
  const q = path.indexOf('?')
  const own = q === -1 ? undefined : new URLSearchParams(path.slice(q + 1))
  const params = new URLSearchParams()
  for (const [name, value] of url.searchParams)
    if (!CLIENT_QUERY_DROPPED.has(name) && !own?.has(name)) params.append(name, value)
  const s = params.toString()
  return s ? `${path}${q === -1 ? '?' : '&'}${s}` : path
}
