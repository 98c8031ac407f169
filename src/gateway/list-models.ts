import { GatewayError } from '../hub/errors'
import { refusesLogin } from './login-refusal'
import type { Runtime } from './runtime'

export interface ListedModel {
  /** `backend:model`, the selector a client sends back. */
  id: string
  backend: string
}

/** What listing models needs of the runtime. */
export type ListingRuntime = Pick<Runtime, 'endpoints' | 'models' | 'access' | 'logins'>

/**
 * Every configured back end's models, as selectors: live from each upstream's
 * models route where it has one (cached briefly, bounded by a short timeout),
 * with the configured list as the fallback. A back end this runtime refuses
 * (a CLI login in multi-user mode or on a Worker) is not listed.
 */
export async function listModels(rt: ListingRuntime): Promise<ListedModel[]> {
  const backends = rt.endpoints.all().filter((b) => b.configured && !refusesLogin(rt, b))
  const lists = await Promise.all(backends.map((b) => rt.models.modelsOf(b)))
  return backends.flatMap((b, i) => lists[i]!.map((m) => ({ id: `${b.id}:${m}`, backend: b.id })))
}

export const openaiModel = (m: ListedModel) => ({ id: m.id, object: 'model', created: 0, owned_by: m.backend })

export function openaiModelList(models: ListedModel[]) {
  return { object: 'list', data: models.map(openaiModel) }
}

export const anthropicModel = (m: ListedModel) => ({
  type: 'model',
  id: m.id,
  display_name: m.id,
  created_at: '1970-01-01T00:00:00Z',
})

export function anthropicModelList(models: ListedModel[]) {
  const data = models.map(anthropicModel)
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
}

/**
 * The listed model a `GET …/models/{id}` path names, or a 404. The id is taken
 * from the raw path after `prefix` and decoded once: SDKs escape the `/` of
 * `openrouter:qwen/qwen3-coder` as `%2F` (and leave `:` alone), curl may not
 * escape it at all.
 */
export async function findModel(rt: ListingRuntime, pathname: string, prefix: string): Promise<ListedModel> {
  let id = pathname.slice(pathname.indexOf(prefix) + prefix.length)
  try {
    id = decodeURIComponent(id)
  } catch {
    throw new GatewayError('invalid_request', `The model id in the path is not valid: ${id.slice(0, 100)}`)
  }
  const found = (await listModels(rt)).find((m) => m.id === id)
  if (!found) throw new GatewayError('not_found', `The model '${id}' does not exist: no configured back end lists it.`)
  return found
}

export function geminiModel(m: ListedModel) {
  return {
    name: `models/${m.id}`,
    baseModelId: m.id,
    version: '1',
    displayName: m.id,
    description: `${m.id} through the gateway`,
    supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
  }
}

export function geminiModelList(models: ListedModel[]) {
  return { models: models.map(geminiModel) }
}
