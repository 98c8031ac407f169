import { GatewayError } from '../hub/errors'
import { parseSelectorParams } from '../routing/selector-params'
import type { Backend } from './settings'
import { SettingsError } from './settings-error'

/** Ids discovery may give a server it finds later (`ollama`, `vllm-10-0-0-5`, `ollama-auto`). */
const DISCOVERABLE = /^(ollama|lmstudio|vllm|litellm)(-[a-z0-9-]+)?$/

export interface SelectorContext {
  backends: Map<string, Backend>
  discovery: boolean
  /** The registry API is on: endpoints may be added at run time under any id. */
  registry: boolean
  /** Said at start: a selector that names a back end no setting defines yet. */
  warn(message: string): void
}

/**
 * A selector in a setting (FORCE_MODEL, an alias target, DEFAULT_BACKEND's model),
 * checked at start the way a request's model is checked later:
 *
 * - `?param=value` parameters must be known and in range;
 * - a bare model (no colon) is legal: the back end that lists it is found per request;
 * - `prefix:model` must name a back end the settings define, or a model some back end
 *   lists in its `_MODELS` (an Ollama `llama3:8b`). A prefix discovery may yet find
 *   (`ollama`, `vllm-<host>`) or, with the registry on, any prefix is accepted with a
 *   warning: those back ends cannot be known at start.
 */
export function checkSelector(setting: string, selector: string, ctx: SelectorContext): void {
  const name = checkSelectorParams(setting, selector)
  const colon = name.indexOf(':')
  if (colon <= 0) return
  checkBackendName(setting, name.slice(0, colon), ctx, name)
}

/** A selector's `?param=value` part, checked now; returns what is before it. */
export function checkSelectorParams(setting: string, selector: string): string {
  const q = selector.indexOf('?')
  const name = q === -1 ? selector : selector.slice(0, q)
  if (!name.trim()) throw new SettingsError(`Invalid setting ${setting}: no model in "${selector}"`)
  if (q !== -1) {
    try {
      parseSelectorParams(selector.slice(q + 1), selector)
    } catch (err) {
      if (err instanceof GatewayError) throw new SettingsError(`Invalid setting ${setting}: ${err.message}`)
      throw err
    }
  }
  return name
}

/** A back end id named by a setting (DEFAULT_BACKEND, or a selector's prefix). */
export function checkBackendName(setting: string, id: string, ctx: SelectorContext, selector?: string): void {
  const known = ctx.backends.get(id)
  if (known) {
    // Legal, but every request it routes would fail until the key is set.
    if (!known.configured && known.keyRequired && !known.keys.length) ctx.warn(`${setting} names back end "${id}", which has no key: set ${known.keySetting}`)
    return
  }
  if (selector && [...ctx.backends.values()].some((b) => b.models.includes(selector))) return
  if (ctx.discovery && DISCOVERABLE.test(id)) return
  if (ctx.registry) {
    ctx.warn(`${setting} names back end "${id}", which no setting defines: it must come from the registry API`)
    return
  }
  const where = selector ? ` in "${selector}"` : ''
  const hint = selector ? `; a model whose name has a colon is written with its back end, e.g. ollama:${selector}` : ''
  throw new SettingsError(`Invalid setting ${setting}: unknown back end "${id}"${where} (${knownBackends(ctx.backends)})${hint}`)
}

/** Configured back ends first, then the rest (which need a key or a URL). */
export function knownBackends(backends: Map<string, Backend> | Backend[]): string {
  const all = Array.isArray(backends) ? backends : [...backends.values()]
  const configured = all.filter((b) => b.configured).map((b) => b.id)
  const others = all.filter((b) => !b.configured).map((b) => b.id)
  return configured.length
    ? `configured: ${configured.join(', ')}; others, which need a key or URL: ${others.join(', ')}`
    : `none is configured; known: ${others.join(', ')}`
}
