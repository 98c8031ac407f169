import type { HubTool, ToolCallPart } from './request'

/** The one argument a custom (free-form) tool gets when offered as a function. */
export const CUSTOM_INPUT = 'input'

export interface ToolTarget {
  /** The protocol the tools are for; its own native tools are kept. */
  protocol: string
  /** Whether that protocol has free-form custom tools. */
  customTools: boolean
  warn(message: string): void
}

/**
 * The tools an upstream can be offered: another protocol's provider-defined tools
 * are left out (with a warning: the model does not get them, nothing else
 * changes), and custom tools become functions with one string argument where the
 * upstream has no custom tools.
 */
export function toolsFor(tools: HubTool[] | undefined, target: ToolTarget): HubTool[] {
  const out: HubTool[] = []
  for (const tool of tools ?? []) {
    if (tool.native && tool.native.protocol !== target.protocol) {
      target.warn(`${tool.native.label} left out: the upstream does not offer it`)
      continue
    }
    if (tool.kind === 'custom' && !target.customTools) out.push(customAsFunction(tool))
    else out.push(tool)
  }
  return out
}

export function customAsFunction(tool: HubTool): HubTool {
  const format = tool.customFormat ? ` Input format: ${JSON.stringify(tool.customFormat)}` : ''
  return {
    name: tool.name,
    description: tool.description,
    parameters: {
      type: 'object',
      properties: { [CUSTOM_INPUT]: { type: 'string', description: `The raw input for this tool.${format}` } },
      required: [CUSTOM_INPUT],
    },
  }
}

/** A call's arguments as JSON for an upstream without custom tools (a custom call's raw text is wrapped). */
export function functionArguments(call: ToolCallPart, customTools: boolean): string {
  if (call.kind === 'custom' && !customTools) return JSON.stringify({ [CUSTOM_INPUT]: call.arguments })
  return call.arguments
}

/** The raw input of a custom tool that was offered as a function: the reverse of functionArguments. */
export function customInputFromArguments(json: string): string {
  try {
    const value = JSON.parse(json)
    if (value && typeof value === 'object' && typeof value[CUSTOM_INPUT] === 'string') return value[CUSTOM_INPUT]
  } catch {
    // not JSON: hand the text over as it is
  }
  return json
}
