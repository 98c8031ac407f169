import { checkCommandSelector } from './check-selector'
import { CommandError, noArgs, type Command, type CommandContext } from './command'
import type { ParsedCommand } from './parse-command'
import { DEFAULT_POLICY, isPolicy, POLICIES, routeSelector, type SessionRoute } from './route-policy'

const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Named arguments, or the same in this order positionally: `route-append(r, a:b)` = `route-append(name=r, element=a:b)`. */
function argsOf(cmd: ParsedCommand, keys: string[], required: string[]): Record<string, string> {
  if (cmd.args.length > keys.length) throw new CommandError(`${cmd.name} takes ${keys.map((k) => `${k}=…`).join(', ')}; got ${cmd.args.length} values.`)
  const out: Record<string, string> = {}
  cmd.args.forEach((v, i) => (out[keys[i]!] = v))
  for (const [k, v] of Object.entries(cmd.named)) {
    if (!keys.includes(k)) throw new CommandError(`${cmd.name} does not take "${k}" (it takes ${keys.join(', ')}).`)
    if (k in out) throw new CommandError(`${cmd.name}: ${k} is given twice.`)
    out[k] = v
  }
  for (const k of required) if (!out[k]?.trim()) throw new CommandError(`${cmd.name} needs ${k}=…`)
  return out
}

function routeOf(ctx: CommandContext, command: string, given: string): [string, SessionRoute] {
  const name = given.trim()
  const route = ctx.session.data.routes?.[name]
  if (!route) throw new CommandError(`${command}: no failover route "${name}" in this session (${listNames(ctx)}).`)
  return [name, route]
}

function listNames(ctx: CommandContext): string {
  const names = Object.keys(ctx.session.data.routes ?? {})
  return names.length ? `routes: ${names.join(', ')}` : `none yet: ${ctx.prefix}create-failover-route(name=…) makes one`
}

function describe(name: string, r: SessionRoute): string {
  const sel = routeSelector(r)
  const elements = r.elements.length ? r.elements.map((e, i) => `${i + 1}. ${e}`).join('\n') : '(no elements yet)'
  return `Route ${name} (policy ${r.policy}: ${POLICIES[r.policy].means})\n${elements}${sel ? `\nServed as: ${sel}` : ''}`
}

const create: Command = {
  name: 'create-failover-route',
  usage: '(name=…, policy=k|m|km|mk)',
  summary: 'makes a failover route; its name then serves as a model in this session (policy: see README, default km)',
  example: 'create-failover-route(name=fast, policy=km)',
  run(ctx, cmd) {
    const a = argsOf(cmd, ['name', 'policy'], ['name'])
    const name = a.name!.trim()
    if (!ROUTE_NAME.test(name)) throw new CommandError(`create-failover-route: "${name}" cannot be a route name (letters, digits, ".", "_", "-"; at most 64).`)
    const policy = (a.policy?.trim() || DEFAULT_POLICY).toLowerCase()
    if (!isPolicy(policy)) throw new CommandError(`create-failover-route: policy must be k, m, km or mk, got "${a.policy}".`)
    const routes = (ctx.session.data.routes ??= {})
    if (routes[name]) throw new CommandError(`create-failover-route: route "${name}" exists already (${ctx.prefix}delete-failover-route(name=${name}) first).`)
    routes[name] = { policy, elements: [] }
    ctx.session.touch()
    const exact = POLICIES[policy].exact ? '' : ` Note: ${POLICIES[policy].means}.`
    return `Route ${name} created (policy ${policy}). Add elements with ${ctx.prefix}route-append(name=${name}, element=backend:model), then use "${name}" as the model.${exact}`
  },
}

function adder(where: 'append' | 'prepend'): Command {
  return {
    name: `route-${where}`,
    usage: '(name=…, element=backend:model)',
    summary: `adds an element at the ${where === 'append' ? 'end' : 'start'} of a route`,
    example: `route-${where}(name=fast, element=openai:gpt-4.1-mini)`,
    run(ctx, cmd) {
      const a = argsOf(cmd, ['name', 'element'], ['name', 'element'])
      const [name, route] = routeOf(ctx, cmd.name, a.name!)
      const element = checkCommandSelector(ctx, a.element!, `route-${where}`, true)
      if (route.elements.includes(element)) throw new CommandError(`route-${where}: ${element} is in route ${name} already.`)
      if (where === 'append') route.elements.push(element)
      else route.elements.unshift(element)
      ctx.session.touch()
      return describe(name, route)
    },
  }
}

const list: Command = {
  name: 'route-list',
  usage: '(name=…)',
  summary: 'shows a route: its policy, elements and the selector it is served as',
  example: 'route-list(name=fast)',
  run(ctx, cmd) {
    const [name, route] = routeOf(ctx, cmd.name, argsOf(cmd, ['name'], ['name']).name!)
    return describe(name, route)
  },
}

const clear: Command = {
  name: 'route-clear',
  usage: '(name=…)',
  summary: 'removes every element of a route (the route stays)',
  example: 'route-clear(name=fast)',
  run(ctx, cmd) {
    const [name, route] = routeOf(ctx, cmd.name, argsOf(cmd, ['name'], ['name']).name!)
    route.elements = []
    ctx.session.touch()
    return `Route ${name} has no elements now.`
  },
}

const remove: Command = {
  name: 'delete-failover-route',
  usage: '(name=…)',
  summary: 'deletes a route',
  example: 'delete-failover-route(name=fast)',
  run(ctx, cmd) {
    const [name] = routeOf(ctx, cmd.name, argsOf(cmd, ['name'], ['name']).name!)
    delete ctx.session.data.routes![name]
    ctx.session.touch()
    const still = ctx.session.data.settings?.model === name ? ` The session model still names it: ${ctx.prefix}model() unsets it.` : ''
    return `Route ${name} deleted.${still}`
  },
}

const listAll: Command = {
  name: 'list-failover-routes',
  usage: '',
  summary: 'lists this session’s routes',
  example: 'list-failover-routes',
  run(ctx, cmd) {
    noArgs(cmd)
    const routes = Object.entries(ctx.session.data.routes ?? {})
    if (!routes.length) return `No failover routes in this session; ${ctx.prefix}create-failover-route(name=…) makes one.`
    return routes.map(([n, r]) => describe(n, r)).join('\n\n')
  },
}

export const ROUTE_COMMANDS: Command[] = [create, adder('append'), adder('prepend'), list, clear, remove, listAll]
