import { CommandError, noArgs, oneValue, type Command } from './command'
import { routeSelector } from './route-policy'
import { SETTABLE } from './settable'

/** `help` and `help(name)`, over the list it is given. */
export function helpCommand(all: () => readonly Command[]): Command {
  return {
    name: 'help',
    usage: '(command)',
    summary: 'lists the commands; help(name) shows one with an example',
    example: 'help(model)',
    run(ctx, cmd) {
      const p = ctx.prefix
      const asked = oneValue(cmd, 'name')?.trim().toLowerCase().replace(p, '')
      if (asked) {
        const c = all().find((x) => x.name === asked)
        if (!c) throw new CommandError(`help: there is no command "${asked}".`)
        const lines = [`${p}${c.name}${c.usage}: ${c.summary}.`, `Example: ${p}${c.example}`]
        if (c.name === 'set' || c.name === 'unset') lines.push('Names:', ...Object.entries(SETTABLE).map(([n, s]) => `  ${n}: ${s.takes}`))
        return lines.join('\n')
      }
      return [
        `Commands (at the end of your message; a message that is only a command is answered by the gateway):`,
        ...all().map((c) => `${p}${c.name}${c.usage}: ${c.summary}`),
        `${p}help(name) shows one with an example.`,
      ].join('\n')
    },
  }
}

const hello: Command = {
  name: 'hello',
  usage: '',
  summary: 'says what answers you and which session this is',
  example: 'hello',
  run(ctx, cmd) {
    noArgs(cmd)
    return (
      `Hello! This is the LLM API gateway between your client and the models: it speaks the OpenAI, Anthropic and Gemini APIs ` +
      `and sends each request to the back end you choose. This is session ${ctx.session.id}. ` +
      `Type ${ctx.prefix}help for what you can ask it.`
    )
  },
}

const session: Command = {
  name: 'session',
  usage: '',
  summary: 'shows this session: its id and every value set in it',
  example: 'session',
  run(ctx, cmd) {
    noArgs(cmd)
    const d = ctx.session.data
    const settings = Object.entries(d.settings ?? {})
    const routes = Object.entries(d.routes ?? {})
    const lines = [
      `Session ${ctx.session.id} (identified by ${ctx.session.source}).`,
      `Commands start with ${ctx.prefix}`,
      settings.length ? `Set: ${settings.map(([k, v]) => `${k} = ${v}`).join(', ')}` : 'Set: nothing (the gateway’s settings apply).',
    ]
    if (d.oneoff) lines.push(`One-off: the next request goes to ${d.oneoff}.`)
    if (routes.length) lines.push(`Failover routes: ${routes.map(([n, r]) => `${n} (${r.policy}) = ${routeSelector(r) ?? 'no elements'}`).join('; ')}`)
    return lines.join('\n')
  },
}

export const INFO_COMMANDS: Command[] = [hello, session]
