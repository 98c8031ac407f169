import type { Settings } from '../config/settings'

export interface ListedModel {
  /** `backend:model`, the selector a client sends back. */
  id: string
  backend: string
}

/** Every configured back end's models, as selectors. */
export function listModels(settings: Settings): ListedModel[] {
  const out: ListedModel[] = []
  for (const b of settings.backends.values())
    if (b.configured) for (const m of b.models) out.push({ id: `${b.id}:${m}`, backend: b.id })
  return out
}

export function openaiModelList(models: ListedModel[]) {
  return {
    object: 'list',
    data: models.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.backend })),
  }
}

export function anthropicModelList(models: ListedModel[]) {
  const data = models.map((m) => ({
    type: 'model',
    id: m.id,
    display_name: m.id,
    created_at: '1970-01-01T00:00:00Z',
  }))
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
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
