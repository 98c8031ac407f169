import { knownBackends } from '../config/check-selectors'
import type { Alias, Backend, Settings } from '../config/settings'
import type { EndpointTable } from '../endpoints/endpoint-table'
import { GatewayError, invalidRequest } from '../hub/errors'
import type { LiveModels } from '../endpoints/live-models'
import { logValue, type Logger } from '../log'
import { checkModelName } from './model-name'
import { parseSelectorParams, type Overrides } from './selector-params'

export interface Route {
  backend: Backend
  /** The model id to send upstream. */
  model: string
  /** Parameters the selector set (`?temperature=0.2`); they replace the client's. */
  overrides?: Overrides
  /** Why this back end: named in the selector, listing the model, or DEFAULT_BACKEND. */
  why: 'explicit' | 'listed' | 'default'
  /** Set when the selector came from FORCE_MODEL or an alias rather than from the client. */
  via?: 'force' | 'alias'
}

/** `prefix:model` whose prefix is no back end and whose whole name no back end lists: a 400. */
export class UnknownBackendError extends GatewayError {
  constructor(message: string) {
    super('invalid_request', message, { param: 'model' })
  }
}

export interface Routing {
  settings: Settings
  endpoints: EndpointTable
  /** Live model lists already fetched (bare models route to the back end that lists them). */
  models?: { cached(id: string): string[] | undefined }
}

const globCache = new Map<string, RegExp>()
export function globMatch(pattern: string, text: string): boolean {
  let re = globCache.get(pattern)
  if (!re) {
    re = new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$')
    globCache.set(pattern, re)
  }
  return re.test(text)
}

function lists(backend: Backend, model: string, live?: Routing['models']): boolean {
  return (
    backend.models.includes(model) ||
    backend.modelPatterns.some((p) => globMatch(p, model)) ||
    live?.cached(backend.id)?.includes(model) === true
  )
}

/** The alias for a model: an exact pattern first, then globs in order. */
function alias(aliases: Alias[], model: string): string | undefined {
  return aliases.find((a) => a.pattern === model)?.target ?? aliases.find((a) => a.pattern.includes('*') && globMatch(a.pattern, model))?.target
}

/**
 * Picks the back end for a client's model string.
 *
 * - FORCE_MODEL, when set, replaces whatever the client asked for.
 * - An alias (MODEL_ALIASES, config `aliases`) maps a hard-coded name to a selector.
 * - `backend:model` names the back end (split at the first colon: `ollama:llama3:8b`
 *   sends `llama3:8b`); `?param=value` after it sets request parameters.
 * - A bare model goes to the configured back end that lists it, else to
 *   DEFAULT_BACKEND (whose `:model`, if given, replaces the client's model).
 * - A `prefix:rest` whose prefix is no back end, and that no back end lists, is a
 *   400 listing the configured back ends first (also with DEFAULT_BACKEND set).
 */
export function resolveModel(requested: string, { settings, endpoints, models }: Routing): Route {
  if (!requested && !settings.forceModel) throw invalidRequest('model: a model is required', 'model')
  let selector = settings.forceModel ?? requested
  const aliased = alias(settings.aliases, selector)
  const via = settings.forceModel ? 'force' : aliased !== undefined ? 'alias' : undefined
  selector = aliased ?? selector

  const q = selector.indexOf('?')
  const overrides = q === -1 ? undefined : parseSelectorParams(selector.slice(q + 1), selector)
  const name = q === -1 ? selector : selector.slice(0, q)
  const route = pick(name, settings, endpoints, models)
  checkModelName(route.model)
  const fromDefault = route.overrides
  if (overrides || fromDefault) route.overrides = { ...fromDefault, ...overrides }
  if (via) route.via = via
  return route
}

function pick(name: string, settings: Settings, endpoints: EndpointTable, live?: Routing['models']): Route {
  const colon = name.indexOf(':')
  if (colon > 0) {
    const explicit = endpoints.get(name.slice(0, colon))
    if (explicit) return usable(explicit, name.slice(colon + 1) || explicit.models[0] || '', 'explicit')
  }

  const all = endpoints.all()
  for (const b of all) if (b.configured && lists(b, name, live)) return { backend: b, model: name, why: 'listed' }

  // A colon with an unknown prefix is a typo in a back end's name far more often than a model
  // nobody lists: it is a 400 even with DEFAULT_BACKEND, rather than a silent detour to the default.
  if (colon > 0)
    throw new UnknownBackendError(
      `Unknown back end "${name.slice(0, colon)}" in model "${name}" (${knownBackends(all)}). ` +
        'Write the back end first; a model whose own name has a colon needs it too (ollama:llama3:8b).',
    )

  if (settings.defaultBackend) {
    const b = endpoints.get(settings.defaultBackend.backend)
    if (!b) throw invalidRequest(`DEFAULT_BACKEND names "${settings.defaultBackend.backend}", which is not a known back end.`)
    const target = settings.defaultBackend.model ?? name
    const q = target.indexOf('?')
    const route = usable(b, q === -1 ? target : target.slice(0, q), 'default')
    if (q !== -1) route.overrides = parseSelectorParams(target.slice(q + 1), target)
    return route
  }

  for (const b of all) if (lists(b, name)) return usable(b, name, 'listed')

  throw invalidRequest(
    `No back end serves model "${name}". Name one as "backend:model" (${knownBackends(all)}) or set DEFAULT_BACKEND.`,
    'model',
  )
}

function usable(backend: Backend, model: string, why: Route['why']): Route {
  if (backend.baseUrlSetting)
    throw new GatewayError('invalid_request', `The "${backend.id}" back end has no URL: set ${backend.baseUrlSetting}.`)
  if (backend.keyRequired && backend.keys.length === 0)
    throw new GatewayError('authentication', `The "${backend.id}" back end has no API key: set ${backend.keySetting}.`)
  if (!model) throw invalidRequest(`model: no model given for back end "${backend.id}"`, 'model')
  return { backend, model, why }
}

/**
 * resolveModel for a request. A model with a colon that no list names yet may be one
 * a back end serves but whose live list was not fetched (an Ollama `llama3:8b`): then
 * the configured back ends' lists are fetched once (each bounded by
 * MODEL_LIST_TIMEOUT_MS) and routing tried again. Debug logs say what was decided and why.
 */
export async function routeRequest(
  requested: string,
  rt: Routing & { models: LiveModels; log: Logger },
): Promise<Route> {
  let route: Route
  try {
    route = resolveModel(requested, rt)
  } catch (err) {
    if (!(err instanceof UnknownBackendError)) throw err
    const unlisted = rt.endpoints.all().filter((b) => b.configured && rt.models.cached(b.id) === undefined)
    if (!unlisted.length) throw err
    await Promise.all(unlisted.map((b) => rt.models.modelsOf(b)))
    route = resolveModel(requested, rt)
  }
  if (rt.log.debugging)
    rt.log.debug(`route: ${JSON.stringify(logValue(requested))} → ${route.backend.id} model=${logValue(route.model)} (${route.via ? `${route.via}, ` : ''}${route.why})`)
  return route
}
