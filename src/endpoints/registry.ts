import type { StateStore } from '../state/state-store'
import { buildEndpoint } from './build-endpoint'
import { endpointDefinitionSchema, type EndpointDefinition } from './definition'
import type { EndpointTable } from './endpoint-table'

const KEY = 'registry:endpoints'

/**
 * Endpoints added at run time through the registry API, kept in the state store
 * (KV on Workers, a file under STATE_DIR on Node and Deno) so they survive a restart.
 */
export class Registry {
  private definitions: EndpointDefinition[] = []
  private loadedAt = 0

  constructor(
    private readonly store: StateStore,
    private readonly table: EndpointTable,
  ) {}

  /** Reads the stored endpoints (again, once `maxAgeMs` has passed: other Worker isolates may have changed them). */
  async load(maxAgeMs = 0): Promise<void> {
    if (this.loadedAt && Date.now() - this.loadedAt < maxAgeMs) return
    const raw = await this.store.get(KEY)
    this.loadedAt = Date.now()
    const list = raw ? (JSON.parse(raw) as unknown[]) : []
    this.definitions = list.flatMap((d) => {
      const parsed = endpointDefinitionSchema.safeParse(d)
      return parsed.success ? [parsed.data] : []
    })
    this.table.setRegistry(this.definitions.map((d) => buildEndpoint(d, 'registry')))
  }

  has(id: string): boolean {
    return this.definitions.some((d) => d.id === id)
  }

  /** Adds or replaces an endpoint (validated by the caller). */
  async put(definition: EndpointDefinition): Promise<void> {
    const endpoint = buildEndpoint(definition, 'registry') // throws on an unknown provider, before anything is stored
    this.definitions = [...this.definitions.filter((d) => d.id !== definition.id), definition]
    await this.save()
    this.table.setRegistry([...this.table.registryEntries().filter((e) => e.id !== endpoint.id), endpoint])
  }

  async remove(id: string): Promise<void> {
    this.definitions = this.definitions.filter((d) => d.id !== id)
    await this.save()
    this.table.setRegistry(this.table.registryEntries().filter((e) => e.id !== id))
  }

  private save(): Promise<void> {
    return this.store.put(KEY, JSON.stringify(this.definitions))
  }
}
