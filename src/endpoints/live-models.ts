import type { Backend } from '../config/settings'
import type { Transport } from '../upstream/call-upstream'
import { upstreamHeaders } from '../upstream/headers'

interface Cached {
  models: string[]
  at: number
}

/** Where each protocol lists models, and how to read the answer (Code Assist has no models route: its list is the catalogue's). */
const ROUTES: Partial<Record<Backend['protocol'], { path: string; read(body: any): string[] }>> = {
  'openai-chat': { path: '/models', read: (b) => (b?.data ?? []).map((m: any) => m?.id) },
  'openai-responses': { path: '/models', read: (b) => (b?.data ?? []).map((m: any) => m?.id) },
  anthropic: { path: '/v1/models?limit=1000', read: (b) => (b?.data ?? []).map((m: any) => m?.id) },
  gemini: {
    path: '/v1beta/models?pageSize=1000',
    read: (b) =>
      (b?.models ?? [])
        .filter((m: any) => !m?.supportedGenerationMethods || m.supportedGenerationMethods.includes('generateContent'))
        .map((m: any) => String(m?.name ?? '').replace(/^models\//, '')),
  },
}

/**
 * Each back end's models, live from its models route where it has one, cached
 * briefly, with the configured list as the fallback. Every upstream gets the same
 * short timeout, so one slow or dead upstream neither fails nor delays the list
 * beyond it.
 */
export class LiveModels {
  private readonly cache = new Map<string, Cached>()
  private readonly inFlight = new Map<string, Promise<string[]>>()

  constructor(
    private readonly transport: Transport,
    private readonly options: { timeoutMs: number; cacheSeconds: number; anthropicVersion: string },
  ) {}

  /** The last live list for a back end, if one was fetched (routing uses it without waiting). */
  cached(id: string): string[] | undefined {
    return this.cache.get(id)?.models
  }

  async modelsOf(backend: Backend): Promise<string[]> {
    const hit = this.cache.get(backend.id)
    if (hit && Date.now() - hit.at < this.options.cacheSeconds * 1000) return union(hit.models, backend.models)
    let pending = this.inFlight.get(backend.id)
    if (!pending) {
      pending = this.fetchLive(backend).finally(() => this.inFlight.delete(backend.id))
      this.inFlight.set(backend.id, pending)
    }
    return union(await pending, backend.models)
  }

  private async fetchLive(backend: Backend): Promise<string[]> {
    const stale = this.cache.get(backend.id)?.models ?? []
    if (backend.pathTemplate) return stale // deployments (Azure) have no models route
    if (backend.auth === 'login') return stale // subscription back ends: their catalogue list (their keys are files, not tokens)
    const route = ROUTES[backend.protocol]
    if (!route) return stale
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs)
    try {
      const headers = upstreamHeaders({
        backend,
        key: backend.keys[0],
        client: new Headers(),
        passThrough: false,
        anthropicVersion: this.options.anthropicVersion,
        clientSpeaksAnthropic: false,
      })
      headers.delete('content-type')
      const res = await this.transport({ url: backend.baseUrl + route.path, method: 'GET', headers, signal: controller.signal })
      if (!res.ok) {
        await res.body?.cancel()
        return stale
      }
      const models = route.read(await res.json()).filter((m): m is string => typeof m === 'string' && m !== '')
      this.cache.set(backend.id, { models, at: Date.now() })
      return models
    } catch {
      return stale
    } finally {
      clearTimeout(timer)
    }
  }
}

function union(a: string[], b: string[]): string[] {
  return b.length ? [...new Set([...a, ...b])] : a
}
