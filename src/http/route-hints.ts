import { GatewayError } from '../hub/errors'

export interface RouteInfo {
  method: string
  path: string
}

export interface RouteMiss {
  error: GatewayError
  /** The path whose protocol family answers: the suggested route's when there is one. */
  familyPath: string
  /** For a 405: the methods the path takes. */
  allow?: string
}

const patternCache = new Map<string, RegExp>()
/** Hono's route patterns (`/v1/responses/:id`, `/v1beta/models/:model{.+}`, `/v1beta/models/*`) as regexes. */
function patternOf(path: string): RegExp {
  let re = patternCache.get(path)
  if (!re) {
    const body = path
      .split(/(:\w+(?:\{[^}]+\})?|\*)/)
      .map((part) => {
        if (part === '*') return '.*'
        const param = /^:\w+(?:\{([^}]+)\})?$/.exec(part)
        if (param) return param[1] ? `(?:${param[1]})` : '[^/]+'
        return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      })
      .join('')
    re = new RegExp(`^${body}$`)
    patternCache.set(path, re)
  }
  return re
}

function methodsFor(path: string, routes: readonly RouteInfo[]): string[] {
  const methods = new Set<string>()
  for (const r of routes) if (r.method !== 'ALL' && patternOf(r.path).test(path)) methods.add(r.method)
  return [...methods]
}

/** Paths a client with a slightly wrong base URL may have meant, most likely first. */
function candidates(path: string): string[] {
  const out = [
    // a doubled version: base URL `…/v1` and a client that adds `/v1` itself
    path.replace(/^(\/anthropic)?\/v1\/v1(beta)?\//, '$1/v1$2/').replace(/^\/v1beta\/v1beta\//, '/v1beta/'),
    // a missing one: base URL without `/v1` for an OpenAI client
    '/v1' + path,
    // a Gemini action (`models/x:generateContent`) under OpenAI's version, or with none
    ...(/^(\/v1)?\/models\/[^/]+:\w+$/.test(path) ? [path.replace(/^(\/v1)?\/models\//, '/v1beta/models/')] : []),
    path.replace(/^\/anthropic\//, '/anthropic/v1/'),
    // the admin APIs' two homes: `/api/v1/registry`, `/v1/diagnostics`
    path.startsWith('/api/v1/') ? path.slice(4) : '/api' + path,
  ]
  return [...new Set(out)].filter((p) => p !== path)
}

const BASE_URLS =
  'OpenAI clients take http://HOST/v1 as the base URL; Anthropic clients http://HOST or http://HOST/anthropic; Gemini clients http://HOST'

/**
 * A request no route took: a 405 when the path is known but the method is not, else a
 * 404 that names the path the client probably meant (a doubled or missing `/v1`, Gemini's
 * `/v1beta`). Routes come from the app itself, so new ones are covered.
 */
export function explainMiss(method: string, path: string, routes: readonly RouteInfo[]): RouteMiss {
  const allowed = methodsFor(path, routes)
  // A path another route takes with another method (`GET /v1/models/{id}`) may still be a Gemini
  // action under the wrong version (`POST /v1/models/x:generateContent`): a route that takes this
  // method on a nearby path is the likelier meaning.
  const meant = allowed.length ? candidates(path).find((c) => methodsFor(c, routes).includes(method)) : undefined
  if (meant)
    return {
      error: new GatewayError('not_found', `No route for ${method} ${path}. Did you mean ${method} ${meant}? ${BASE_URLS}.`),
      familyPath: meant,
    }
  if (allowed.length) {
    const allow = allowed.join(', ')
    return {
      error: new GatewayError('invalid_request', `Method ${method} is not allowed on ${path}; it takes ${allow}.`, { status: 405 }),
      familyPath: path,
      allow,
    }
  }
  for (const candidate of candidates(path)) {
    const methods = methodsFor(candidate, routes)
    if (!methods.length) continue
    const m = methods.includes(method) ? method : methods[0]!
    return {
      error: new GatewayError('not_found', `No route for ${method} ${path}. Did you mean ${m} ${candidate}? ${BASE_URLS}.`),
      familyPath: candidate,
    }
  }
  return { error: new GatewayError('not_found', `No route for ${method} ${path}. ${BASE_URLS}.`), familyPath: path }
}
