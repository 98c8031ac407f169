import { knownBackends } from '../config/check-selectors'
import type { Alias, Backend, Settings } from '../config/settings'
import type { EndpointTable } from '../endpoints/endpoint-table'
import { GatewayError, invalidRequest } from '../hub/errors'
import type { LiveModels } from '../endpoints/live-models'
import { logValue, type Logger } from '../log'
import { isCompound, parsePlan, tryOrder } from '../resilience/selector-plan'
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
  /** Back ends this runtime refuses (a CLI login in multi-user mode or on a Worker): a bare model never goes to one. */
  refusesBackend?(backend: Backend): boolean
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
export function resolveModel(requested: string, routing: Routing): Route {
  const { selector, via } = effectiveSelector(requested, routing.settings)
  // A failover selector or route: its first entry (count_tokens; the attempt loop walks them all).
  const firstOf = (sel: string) => (isCompound(sel, routing.settings.routes) ? tryOrder(parsePlan(sel, routing.settings.routes)).next().value! : sel)
  try {
    return resolveSelector(firstOf(selector), routing, via)
  } catch (err) {
    if (!(err instanceof TakeDefaultRoute)) throw err
    return resolveSelector(firstOf(routing.settings.defaultRoute!), routing)
  }
}

/** What a request's model stands for: FORCE_MODEL over it, then an alias. */
export function effectiveSelector(requested: string, settings: Settings): { selector: string; via?: Route['via'] } {
  if (!requested && !settings.forceModel) throw invalidRequest('model: a model is required', 'model')
  const selector = settings.forceModel ?? requested
  const aliased = alias(settings.aliases, selector)
  const via = settings.forceModel ? 'force' : aliased !== undefined ? 'alias' : undefined
  return { selector: aliased ?? selector, via }
}

/** Thrown for a bare model nobody lists when DEFAULT_BACKEND is a route: the plan becomes that route. */
export class TakeDefaultRoute extends Error {}

/** One `backend:model?params` selector (no `|`, `^` or route name) to a route. */
export function resolveSelector(selector: string, { settings, endpoints, models, refusesBackend }: Routing, via?: Route['via']): Route {
  const q = selector.indexOf('?')
  const overrides = q === -1 ? undefined : parseSelectorParams(selector.slice(q + 1), selector)
  const name = q === -1 ? selector : selector.slice(0, q)
  const route = pick(name, settings, endpoints, models, refusesBackend)
  checkModelName(route.model)
  const fromDefault = route.overrides
  if (overrides || fromDefault) route.overrides = { ...fromDefault, ...overrides }
  if (via) route.via = via
  return route
}

function pick(name: string, settings: Settings, endpoints: EndpointTable, live?: Routing['models'], refused?: Routing['refusesBackend']): Route {
  const colon = name.indexOf(':')
  if (colon > 0) {
    const explicit = endpoints.get(name.slice(0, colon))
    if (explicit) return usable(explicit, name.slice(colon + 1) || explicit.models[0] || '', 'explicit')
  }

  // A back end named explicitly above is refused with its reason later; a bare model just passes refused ones over.
  const all = refused ? endpoints.all().filter((b) => !refused(b)) : endpoints.all()
  for (const b of all) if (b.configured && lists(b, name, live)) return { backend: b, model: name, why: 'listed' }

  // A colon with an unknown prefix is a typo in a back end's name far more often than a model
  // nobody lists: it is a 400 even with DEFAULT_BACKEND, rather than a silent detour to the default.
  if (colon > 0)
    throw new UnknownBackendError(
      `Unknown back end "${name.slice(0, colon)}" in model "${name}" (${knownBackends(all)}). ` +
        'Write the back end first; a model whose own name has a colon needs it too (ollama:llama3:8b).',
    )

  if (settings.defaultRoute) throw new TakeDefaultRoute()
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
export async function routeRequest(requested: string, rt: Routing & { models: LiveModels; log: Logger }): Promise<Route> {
  return (await planRoutes(requested, rt)).first
}

export type RoutingRuntime = Routing & { models: LiveModels; log: Logger }

/** One selector to a route, fetching the live model lists once when a `prefix:model` names no back end yet. */
async function routeLeaf(selector: string, rt: RoutingRuntime, via?: Route['via'], asked = selector): Promise<Route> {
  let route: Route
  try {
    route = resolveSelector(selector, rt, via)
  } catch (err) {
    if (!(err instanceof UnknownBackendError)) throw err
    const unlisted = rt.endpoints.all().filter((b) => b.configured && rt.models.cached(b.id) === undefined)
    if (!unlisted.length) throw err
    await Promise.all(unlisted.map((b) => rt.models.modelsOf(b)))
    route = resolveSelector(selector, rt, via)
  }
  if (rt.log.debugging)
    rt.log.debug(`route: ${JSON.stringify(logValue(asked))} → ${route.backend.id} model=${logValue(route.model)} (${route.via ? `${route.via}, ` : ''}${route.why})`)
  return route
}

/**
 * The routes a request may take, in order: one for a plain selector; for
 * `a|b`, `a^b` or a named route, the entries one at a time as the attempt loop
 * asks for the next (a weighted choice rolled then). An entry that cannot be
 * used (no key, an unknown back end) is skipped with a log line; when none can
 * be, the first one's error is the answer.
 */
export interface RoutePlan {
  first: Route
  /** The next entry, or undefined when there is none. */
  next(): Promise<Route | undefined>
  /** More than one entry is possible. */
  compound: boolean
  /** The same plan from its start (a weighted choice rolled anew), for a retry after waiting. */
  again(): Promise<RoutePlan>
}

export async function planRoutes(requested: string, rt: RoutingRuntime, random: () => number = Math.random): Promise<RoutePlan> {
  const { selector, via } = effectiveSelector(requested, rt.settings)
  const routes = rt.settings.routes
  if (!isCompound(selector, routes)) {
    try {
      const first = await routeLeaf(selector, rt, via, requested || selector)
      return { first, next: async () => undefined, compound: false, again: async () => planRoutes(requested, rt, random) }
    } catch (err) {
      if (!(err instanceof TakeDefaultRoute)) throw err
      return compoundPlan(rt.settings.defaultRoute!, rt, 'default', random, () => planRoutes(requested, rt, random))
    }
  }
  return compoundPlan(selector, rt, via, random, () => planRoutes(requested, rt, random))
}

async function compoundPlan(
  selector: string,
  rt: RoutingRuntime,
  via: Route['via'] | 'default',
  random: () => number,
  again: () => Promise<RoutePlan>,
): Promise<RoutePlan> {
  const order = tryOrder(parsePlan(selector, rt.settings.routes), random)
  let firstError: unknown
  const next = async (): Promise<Route | undefined> => {
    for (let leaf = order.next(); !leaf.done; leaf = order.next()) {
      try {
        const route = await routeLeaf(leaf.value, rt, via === 'default' ? undefined : via)
        if (via === 'default') route.why = 'default'
        return route
      } catch (err) {
        if (err instanceof TakeDefaultRoute) continue
        firstError ??= err
        rt.log.info(`route: skipping ${JSON.stringify(logValue(leaf.value))} in ${JSON.stringify(logValue(selector))}: ${logValue((err as Error).message)}`)
      }
    }
    return undefined
  }
  const first = await next()
  if (!first)
    throw firstError ?? invalidRequest(`model "${selector}": no entry of it can be used (a bare model needs a back end that lists it)`, 'model')
  return { first, next, compound: true, again }
}
