import type { Backend, Settings } from '../config/settings'
import { GatewayError, invalidRequest } from '../hub/errors'

export interface Route {
  backend: Backend
  /** The model id to send upstream. */
  model: string
}

const globCache = new Map<string, RegExp>()
function glob(pattern: string): RegExp {
  let re = globCache.get(pattern)
  if (!re) {
    re = new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$')
    globCache.set(pattern, re)
  }
  return re
}

function lists(backend: Backend, model: string): boolean {
  return backend.models.includes(model) || backend.modelPatterns.some((p) => glob(p).test(model))
}

/**
 * Picks the back end for a client's model string.
 *
 * - `backend:model` names the back end explicitly (split at the first colon, so
 *   `ollama:llama3:8b` sends `llama3:8b` to ollama).
 * - A bare model goes to the configured back end that lists it, else to
 *   DEFAULT_BACKEND (whose `:model`, if given, replaces the client's model).
 * - A `prefix:rest` whose prefix is no back end is an error that lists the known
 *   back ends, unless some back end lists the whole string as a model.
 */
export function resolveModel(requested: string, settings: Settings): Route {
  const { backends } = settings
  if (!requested) throw invalidRequest('model: a model is required', 'model')

  const colon = requested.indexOf(':')
  if (colon > 0) {
    const explicit = backends.get(requested.slice(0, colon))
    if (explicit) return usable(explicit, requested.slice(colon + 1) || explicit.models[0] || '')
  }

  for (const b of backends.values()) if (b.configured && lists(b, requested)) return { backend: b, model: requested }

  if (colon > 0 && !settings.defaultBackend)
    throw invalidRequest(
      `Unknown back end "${requested.slice(0, colon)}" in model "${requested}". Known back ends: ${[...backends.keys()].join(', ')}.`,
      'model',
    )

  if (settings.defaultBackend) {
    const b = backends.get(settings.defaultBackend.backend)!
    return usable(b, settings.defaultBackend.model ?? requested)
  }

  for (const b of backends.values()) if (lists(b, requested)) return usable(b, requested)

  throw invalidRequest(
    `No back end serves model "${requested}". Name one as "backend:model" (known back ends: ${[...backends.keys()].join(', ')}) or set DEFAULT_BACKEND.`,
    'model',
  )
}

function usable(backend: Backend, model: string): Route {
  if (backend.keyRequired && backend.keys.length === 0)
    throw new GatewayError(
      'authentication',
      `The "${backend.id}" back end has no API key: set ${backend.keySetting}.`,
    )
  if (!model) throw invalidRequest(`model: no model given for back end "${backend.id}"`, 'model')
  return { backend, model }
}
