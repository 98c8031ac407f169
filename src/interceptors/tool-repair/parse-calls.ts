import type { HubTool } from '../../hub/request'
import { argumentsFromParams, coerce, parseLoose, toArguments } from './arguments'
import { propertySchema, type DeclaredTools } from './declared-tools'
import { DS, DSML, examine, Pending, skipWs } from './openings'

/** A tool call the model wrote as text, read back: a declared tool and its arguments as JSON text. */
export interface TextCall {
  tool: HubTool
  arguments: string
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The calls in a candidate's text (`s` from `p.found.bodyFrom` to `bodyTo`;
 * `bodyTo` undefined: the answer ended before the closing marker). Undefined
 * unless every call in it names a declared tool and has arguments that can be
 * recovered: then the text stays text.
 */
export function parseCandidate(s: string, p: Pending, bodyTo: number | undefined, tools: DeclaredTools): TextCall[] | undefined {
  const f = p.found
  const body = s.slice(f.bodyFrom, bodyTo ?? s.length)
  const complete = bodyTo !== undefined
  switch (f.format) {
    case 'json':
      return jsonCalls(body, tools)
    case 'fence':
    case 'hermes':
      return allCalls(body, tools, !complete)
    case 'qwen':
      return one(qwenCall(body, tools))
    case 'invoke':
      return invokeCalls(body, INVOKE, tools)
    case 'dsml':
      return invokeCalls(body, DSML_INVOKE, tools)
    case 'deepseek':
      return deepseekCalls(body, tools)
    case 'deepseek-one':
      return one(deepseekCall(body, tools))
    case 'xml':
      return one(xmlCall(tools.lookup(f.name), body))
  }
}

const one = (c: TextCall | undefined) => (c ? [c] : undefined)

/** A text made only of calls (and white space between them): a fence's or a `<tool_call>`'s body. */
function allCalls(text: string, tools: DeclaredTools, allowIncomplete: boolean): TextCall[] | undefined {
  const calls: TextCall[] = []
  let i = skipWs(text, 0)
  if (i >= text.length) return undefined
  while (i < text.length) {
    const opening = examine(text, i, tools, true)
    if (opening.kind !== 'found') return undefined
    const p = new Pending(i, opening)
    const end = p.findEnd(text)
    if (!end && !allowIncomplete) return undefined
    const got = parseCandidate(text, p, end?.bodyTo, tools)
    if (!got) return undefined
    calls.push(...got)
    if (!end) break
    i = skipWs(text, end.end)
  }
  return calls
}

function jsonCalls(text: string, tools: DeclaredTools): TextCall[] | undefined {
  const v = parseLoose(text)
  const items = isObject(v) && Array.isArray(v.tool_calls) ? v.tool_calls : Array.isArray(v) ? v : [v]
  if (!items.length) return undefined
  const calls: TextCall[] = []
  for (const item of items) {
    const c = callFromObject(item, tools)
    if (!c) return undefined
    calls.push(c)
  }
  return calls
}

const firstString = (...vs: unknown[]) => vs.find((v): v is string => typeof v === 'string')

function callFromObject(o: unknown, tools: DeclaredTools): TextCall | undefined {
  if (!isObject(o)) return undefined
  if (isObject(o.function_call)) return callFromObject(o.function_call, tools)
  if (isObject(o.function)) return callFromObject(o.function, tools)
  const tool = tools.lookup(firstString(o.name, o.tool, o.tool_name, o.function))
  if (!tool) return undefined
  const raw = o.arguments !== undefined ? o.arguments : o.parameters !== undefined ? o.parameters : o.input !== undefined ? o.input : o.args
  // `{"name": …, "parameters": {"type": "object", "properties": …}}` describes a tool; it does not call one.
  if (isObject(raw) && raw.type === 'object' && isObject(raw.properties) && !propertySchema(tool, 'properties')) return undefined
  const args = toArguments(raw, tool)
  return args === undefined ? undefined : { tool, arguments: args }
}

/** One newline after an opening tag and one before a closing tag are layout, not value. */
function trimNewlines(v: string): string {
  return v.replace(/^\r?\n/, '').replace(/\r?\n$/, '')
}

/** Qwen3-Coder: the body after `<function=` is `name>` then `<parameter=x>value</parameter>`… */
function qwenCall(body: string, tools: DeclaredTools): TextCall | undefined {
  const gt = body.indexOf('>')
  if (gt < 0) return undefined
  const tool = tools.lookup(body.slice(0, gt))
  if (!tool) return undefined
  const params: [string, string][] = []
  for (const m of body.slice(gt + 1).matchAll(/<parameter=([^>\n]+)>([\s\S]*?)(?:<\/parameter>|(?=<parameter=)|$)/g))
    params.push([m[1]!.trim(), trimNewlines(m[2]!)])
  const args = argumentsFromParams(params, tool)
  return args === undefined ? undefined : { tool, arguments: args }
}

const invokeRegexes = (prefix: string) => ({
  invoke: new RegExp(`<${prefix}invoke\\s+name="([^"]*)"\\s*>([\\s\\S]*?)</${prefix}invoke>`, 'g'),
  parameter: new RegExp(`<${prefix}parameter\\s+name="([^"]*)"((?:\\s+[\\w-]+="[^"]*")*)\\s*>([\\s\\S]*?)</${prefix}parameter>`, 'g'),
})
const INVOKE = invokeRegexes('')
const DSML_INVOKE = invokeRegexes(DSML)

/** `<invoke name="x"><parameter name="p" string="true|false">v</parameter></invoke>`…, DSML or not. */
function invokeCalls(body: string, re: typeof INVOKE, tools: DeclaredTools): TextCall[] | undefined {
  const calls: TextCall[] = []
  for (const inv of body.matchAll(re.invoke)) {
    const tool = tools.lookup(inv[1])
    if (!tool) return undefined
    const args: Record<string, unknown> = {}
    for (const p of inv[2]!.matchAll(re.parameter)) {
      const name = p[1]!
      const value = p[3]!
      const stringAttr = /\bstring="(true|false)"/.exec(p[2]!)?.[1]
      if (stringAttr === 'true') args[name] = value
      else if (stringAttr === 'false') args[name] = parseLoose(value.trim()) ?? coerce(value, propertySchema(tool, name))
      else args[name] = coerce(trimNewlines(value), propertySchema(tool, name))
    }
    const text = tool.kind === 'custom' ? toArguments(args.input ?? Object.values(args)[0], tool) : toArguments(args, tool)
    if (text === undefined) return undefined
    calls.push({ tool, arguments: text })
  }
  return calls.length ? calls : undefined
}

const DEEPSEEK_CALL = new RegExp(`${DS.callBegin}([\\s\\S]*?)${DS.callEnd}`, 'g')

function deepseekCalls(body: string, tools: DeclaredTools): TextCall[] | undefined {
  const calls: TextCall[] = []
  for (const m of body.matchAll(DEEPSEEK_CALL)) {
    const c = deepseekCall(m[1]!, tools)
    if (!c) return undefined
    calls.push(c)
  }
  return calls.length ? calls : undefined
}

/**
 * One DeepSeek call: V3 `function<｜tool▁sep｜>name\n```json\n{…}\n```` or
 * V3.1 `name<｜tool▁sep｜>{…}`.
 */
function deepseekCall(inner: string, tools: DeclaredTools): TextCall | undefined {
  const k = inner.indexOf(DS.sep)
  if (k < 0) return undefined
  const left = inner.slice(0, k).trim()
  let right = inner.slice(k + DS.sep.length)
  let name = left
  if (left === 'function') {
    const nl = right.indexOf('\n')
    name = nl < 0 ? right : right.slice(0, nl)
    right = nl < 0 ? '' : right.slice(nl + 1)
  }
  const tool = tools.lookup(name)
  if (!tool) return undefined
  const args = toArguments(unfence(right), tool)
  return args === undefined ? undefined : { tool, arguments: args }
}

function unfence(s: string): string {
  let t = s.trim()
  if (t.startsWith('```')) {
    const nl = t.indexOf('\n')
    t = nl < 0 ? '' : t.slice(nl + 1)
  }
  if (t.endsWith('```')) t = t.slice(0, -3)
  return t.trim()
}

/** Cline / Roo / Kilo: the body is only `<param>value</param>` children. */
function xmlCall(tool: HubTool | undefined, body: string): TextCall | undefined {
  if (!tool) return undefined
  const params: [string, string][] = []
  const open = /<([A-Za-z_][\w.-]*)>/y
  let i = 0
  for (;;) {
    i = skipWs(body, i)
    if (i >= body.length) break
    open.lastIndex = i
    const m = open.exec(body)
    if (!m) return undefined
    const close = `</${m[1]}>`
    const ci = body.indexOf(close, open.lastIndex)
    if (ci < 0) return undefined
    params.push([m[1]!, trimNewlines(body.slice(open.lastIndex, ci))])
    i = ci + close.length
  }
  const args = argumentsFromParams(params, tool)
  return args === undefined ? undefined : { tool, arguments: args }
}
