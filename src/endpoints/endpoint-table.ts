import type { Backend } from '../config/settings'

/**
 * Every back end the gateway knows, from all sources at once. On the same id:
 * the registry wins over the settings (config file, environment), which win over
 * discovery; an unconfigured catalogue entry (ollama with no URL) yields to a
 * discovered server of that name.
 */
export class EndpointTable {
  private registry = new Map<string, Backend>()
  private discovered = new Map<string, Backend>()
  /** Goes up on every change, so what is derived from the table (the redactor) knows when to rebuild. */
  version = 0

  constructor(private readonly fromSettings: Map<string, Backend>) {}

  get(id: string): Backend | undefined {
    const fixed = this.fromSettings.get(id)
    return this.registry.get(id) ?? (fixed?.configured ? fixed : undefined) ?? this.discovered.get(id) ?? fixed
  }

  /** Every id, each resolved by precedence, settings order first. */
  all(): Backend[] {
    const ids = new Set([...this.fromSettings.keys(), ...this.registry.keys(), ...this.discovered.keys()])
    return [...ids].map((id) => this.get(id)!)
  }

  ids(): string[] {
    return this.all().map((b) => b.id)
  }

  /** Taken by an explicit, usable endpoint (discovery must not clobber it). */
  isTaken(id: string): boolean {
    return this.registry.has(id) || this.fromSettings.get(id)?.configured === true
  }

  setRegistry(endpoints: Backend[]): void {
    this.registry = new Map(endpoints.map((e) => [e.id, e]))
    this.version++
  }

  registryEntries(): Backend[] {
    return [...this.registry.values()]
  }

  setDiscovered(endpoints: Backend[]): void {
    this.discovered = new Map(endpoints.map((e) => [e.id, e]))
    this.version++
  }
}
