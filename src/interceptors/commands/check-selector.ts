import { knownBackends } from '../../config/check-selectors'
import type { Backend } from '../../config/settings'
import type { Runtime } from '../../gateway/runtime'
import { GatewayError } from '../../hub/errors'
import { leaves, parsePlan } from '../../resilience/selector-plan'
import { modelNameProblem } from '../../routing/model-name'
import { parseSelectorParams } from '../../routing/selector-params'
import { CommandError, type CommandContext } from './command'

/**
 * A selector a command was given (`openai:gpt-4.1`, `a:x|b:y`, a route name,
 * a bare model), checked now so that a typo is said at once rather than on the
 * next request: parameters known and in range, the model a valid id, and every
 * `backend:` prefix a back end that can be used (has its key and URL). A bare
 * model is accepted: the back end that lists it is found per request.
 */
export function checkCommandSelector(ctx: CommandContext, selector: string, what: string, single = false): string {
  const s = selector.trim()
  if (!s) throw new CommandError(`${what}: no model given.`)
  if (ctx.session.data.routes?.[s]) {
    if (single) throw new CommandError(`${what}: "${s}" is a failover route; an element is one back end and model.`)
    return s
  }
  if (single && /[|^]/.test(s)) throw new CommandError(`${what}: "${s}" is more than one selector; an element is one back end and model.`)
  let all: string[]
  try {
    all = leaves(parsePlan(s, ctx.rt.settings.routes))
  } catch (err) {
    if (err instanceof GatewayError) throw new CommandError(`${what}: ${err.message}`)
    throw err
  }
  for (const leaf of all) checkLeaf(ctx, leaf, what)
  return s
}

function checkLeaf(ctx: CommandContext, selector: string, what: string): void {
  const q = selector.indexOf('?')
  const name = q === -1 ? selector : selector.slice(0, q)
  if (q !== -1) {
    try {
      parseSelectorParams(selector.slice(q + 1), selector)
    } catch (err) {
      if (err instanceof GatewayError) throw new CommandError(`${what}: ${err.message}`)
      throw err
    }
  }
  const colon = name.indexOf(':')
  const model = colon > 0 ? name.slice(colon + 1) : name
  const all = ctx.rt.endpoints.all()
  if (colon > 0) {
    const backend = ctx.rt.endpoints.get(name.slice(0, colon))
    // A model whose own name has a colon (an Ollama `llama3:8b`) that some back end lists is a bare model.
    if (!backend && !all.some((b) => b.models.includes(name)))
      throw new CommandError(`${what}: unknown back end "${name.slice(0, colon)}" in "${name}" (${knownBackends(all)}).`)
    if (backend) checkUsable(backend, what)
  }
  const problem = model ? modelNameProblem(model) : undefined
  if (problem) throw new CommandError(`${what}: "${model}" is not a valid model name: ${problem}.`)
}

/** A back end named by a command: known, with its key and URL. */
export function checkBackend(rt: Runtime, id: string, what: string): Backend {
  const backend = rt.endpoints.get(id)
  if (!backend) throw new CommandError(`${what}: unknown back end "${id}" (${knownBackends(rt.endpoints.all())}).`)
  return checkUsable(backend, what)
}

function checkUsable(backend: Backend, what: string): Backend {
  if (backend.baseUrlSetting) throw new CommandError(`${what}: the "${backend.id}" back end has no URL: set ${backend.baseUrlSetting}.`)
  if (backend.keyRequired && !backend.keys.length) throw new CommandError(`${what}: the "${backend.id}" back end has no API key: set ${backend.keySetting}.`)
  return backend
}
