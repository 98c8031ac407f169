import type { HubTool } from '../../hub/request'

/**
 * The tools a request declared that a textual call may name: function tools and
 * custom (free-form) tools; provider-defined tools (`native`) are the provider's
 * own business. Built once per watched answer.
 */
export class DeclaredTools {
  private readonly byName = new Map<string, HubTool>()
  /** `<name>` for every tool: how Cline, Roo and Kilo open a call. */
  readonly xmlOpeners: string[] = []

  constructor(tools: readonly HubTool[]) {
    for (const t of tools) {
      if (t.native || this.byName.has(t.name)) continue
      this.byName.set(t.name, t)
      if (/^[A-Za-z_][\w.-]*$/.test(t.name)) this.xmlOpeners.push(`<${t.name}>`)
    }
  }

  get size(): number {
    return this.byName.size
  }

  /** The declared tool a model meant by `name` (also as OpenAI's harmony `functions.name`). */
  lookup(name: string | undefined): HubTool | undefined {
    if (name === undefined) return undefined
    const n = name.trim()
    return this.byName.get(n) ?? (n.startsWith('functions.') ? this.byName.get(n.slice(10)) : undefined)
  }

  /** Whether `partial` could still grow into a declared tool's name. */
  couldName(partial: string): boolean {
    const p = partial.trimStart()
    if ('functions.'.startsWith(p)) return true
    const bare = p.startsWith('functions.') ? p.slice(10) : p
    for (const name of this.byName.keys()) if (name.startsWith(bare)) return true
    return false
  }
}

/** The tool's JSON Schema for one argument, if it declares one. */
export function propertySchema(tool: HubTool, name: string): Record<string, unknown> | undefined {
  const props = tool.parameters.properties
  if (!props || typeof props !== 'object') return undefined
  const s = (props as Record<string, unknown>)[name]
  return s && typeof s === 'object' ? (s as Record<string, unknown>) : undefined
}

/** A call with no arguments is only believed for a tool that requires none. */
export function requiresNothing(tool: HubTool): boolean {
  const r = tool.parameters.required
  return !Array.isArray(r) || r.length === 0
}
