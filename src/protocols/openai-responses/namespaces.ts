import type { HubTool, ToolNamespace } from '../../hub/request'

/**
 * Namespace tools (`{type: "namespace", name, description, tools: [function | custom …]}`),
 * as the newest Codex releases declare their tools inside an `additional_tools`
 * input item (its shell is the custom tool `exec` in the `functions` namespace;
 * MCP servers are namespaces `mcp__<server>`). A call of such a tool comes back
 * as a `function_call` / `custom_tool_call` item carrying the bare `name` and the
 * `namespace`, which Codex routes by (codex-rs `ToolName::new(namespace, name)`).
 *
 * Other providers have no namespaces, so the hub offers each inner tool under one
 * flat name that every provider accepts (Anthropic and Gemini:
 * `^[a-zA-Z0-9_-]{1,64}$`): `<namespace>__<name>`, Codex's own delimiter
 * (`ToolName::canonical_flat_name`). Codex treats the default namespace
 * `functions` as no namespace at all, so its tools keep their bare names (`exec`),
 * as Codex itself writes them in code mode. The flat name is a pure function of
 * namespace and name, so history items map the same way every turn; the way
 * back goes through the request's own tools (`namespacedNames`).
 */

export const DEFAULT_NAMESPACE = 'functions'
const DELIMITER = '__'
const PORTABLE_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/** FNV-1a, 32 bits, as 8 hex digits: a short stable suffix for names that must be shortened. */
function shortHash(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, '0')
}

/**
 * The hub's name for `name` in `namespace`: bare in the default namespace (and
 * when the namespace is the tool's own name, as OpenAI reports a top-level tool
 * that tool_search loaded), else `<namespace>__<name>`, kept portable.
 */
export function flatToolName(namespace: unknown, name: string): string {
  if (typeof namespace !== 'string' || namespace === '' || namespace === DEFAULT_NAMESPACE || namespace === name) return name
  const joined = `${namespace.replace(/_+$/, '')}${DELIMITER}${name.replace(/^_+/, '')}`
  if (PORTABLE_NAME.test(joined)) return joined
  // Too long, or characters some provider refuses: a readable prefix and a hash of the whole keep it unique.
  return `${joined.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55)}_${shortHash(joined)}`
}

/** A call item's name and `namespace` (client history or an upstream's output) → the hub call's name and namespace. */
export function callName(namespace: unknown, name: string): { name: string; namespace?: ToolNamespace } {
  if (typeof namespace !== 'string' || namespace === '') return { name }
  return { name: flatToolName(namespace, name), namespace: { name: namespace, localName: name } }
}

/**
 * A hub call's name as a Responses item has it: the namespace it came with, else
 * the namespaced tool its flat name belongs to, else just the name.
 */
export function itemName(
  call: { name: string; namespace?: ToolNamespace },
  names: ReturnType<typeof namespacedNames>,
): { name: string; namespace?: string } {
  if (call.namespace) return { name: call.namespace.localName, namespace: call.namespace.name }
  const found = names?.get(call.name)
  return found ? { name: found.name, namespace: found.namespace } : { name: call.name }
}

/**
 * A namespace tool's inner tools → hub tools under their flat names. Undefined
 * when it holds something other than function and custom tools (then only an
 * OpenAI Responses upstream can have it, as a native tool).
 */
export function expandNamespace(ns: Record<string, unknown>, decodeTool: (t: Record<string, unknown> & { type: string }) => HubTool): HubTool[] | undefined {
  const inner = Array.isArray(ns.tools) ? (ns.tools as Array<Record<string, unknown> & { type: string }>) : []
  if (typeof ns.name !== 'string' || !inner.every((t) => t?.type === 'function' || t?.type === 'custom')) return undefined
  const description = typeof ns.description === 'string' && ns.description !== '' ? ns.description : undefined
  return inner.map((t) => {
    const tool = decodeTool(t)
    const namespace: ToolNamespace = { name: ns.name as string, localName: tool.name }
    if (description !== undefined) namespace.description = description
    return { ...tool, name: flatToolName(ns.name, tool.name), namespace }
  })
}

/** Flat name → namespace and bare name, for the request's namespaced tools; undefined when there are none. */
export function namespacedNames(tools: readonly HubTool[] | undefined): Map<string, { namespace: string; name: string }> | undefined {
  let out: Map<string, { namespace: string; name: string }> | undefined
  for (const t of tools ?? []) {
    if (!t.namespace) continue
    ;(out ??= new Map()).set(t.name, { namespace: t.namespace.name, name: t.namespace.localName })
  }
  return out
}

/**
 * Hub tools → Responses wire tools, the namespaced ones grouped back into their
 * namespace tools (at the place of the first one), with their own names.
 */
export function groupNamespaces(tools: readonly HubTool[], encodeTool: (t: HubTool) => unknown): unknown[] {
  const out: unknown[] = []
  const groups = new Map<string, { tools: unknown[] }>()
  for (const t of tools) {
    if (!t.namespace || t.native) {
      out.push(encodeTool(t))
      continue
    }
    let group = groups.get(t.namespace.name)
    if (!group) {
      group = { tools: [] }
      groups.set(t.namespace.name, group)
      const ns: Record<string, unknown> = { type: 'namespace', name: t.namespace.name }
      if (t.namespace.description !== undefined) ns.description = t.namespace.description
      ns.tools = group.tools
      out.push(ns)
    }
    const { namespace: _ns, ...plain } = t
    group.tools.push(encodeTool({ ...plain, name: t.namespace.localName }))
  }
  return out
}
