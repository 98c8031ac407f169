import { SWITCHES } from '../../config/interactive-settings'
import { checkCommandSelector } from './check-selector'
import { CommandError, noArgs, oneValue, sessionSettings, type Command, type CommandContext } from './command'
import type { ParsedCommand } from './parse-command'
import { EXCLUSIVE, SETTABLE, settable, type SessionEffort } from './settable'

/** Checks every pair first, then stores them all (none when one is bad); an empty value unsets. */
export function applySettings(ctx: CommandContext, pairs: Array<[string, string]>): string {
  const parsed = pairs.map(([name, raw]) => {
    const s = settable(name)
    if (raw.trim() === '') return [name, undefined] as const
    try {
      return [name, s.parse(ctx, raw)] as const
    } catch (err) {
      if (err instanceof CommandError) throw new CommandError(err.message.startsWith(`${name}: `) ? err.message : `${name}: ${err.message}`)
      throw err
    }
  })
  const settings = sessionSettings(ctx.session.data)
  const said: string[] = []
  const notes: string[] = []
  for (const [name, value] of parsed) {
    if (value === undefined) {
      delete settings[name]
      said.push(`${name} unset`)
      continue
    }
    settings[name] = value
    said.push(`${name} = ${value}`)
    const note = settable(name).note?.(ctx, value)
    if (note) notes.push(note)
    const other = EXCLUSIVE[name]
    if (other && other in settings && !parsed.some(([n]) => n === other)) {
      delete settings[other]
      notes.push(`${other} unset (${name} replaces it)`)
    }
  }
  ctx.session.touch()
  const prefixNote = parsed.some(([n]) => n === 'command-prefix') ? ` Commands now start with ${settings['command-prefix'] ?? ctx.rt.settings.interactive.commands.prefix}.` : ''
  return `Set for this session: ${said.join(', ')}.${notes.length ? ` (${notes.join('; ')}.)` : ''}${prefixNote}`
}

export function unsetSettings(ctx: CommandContext, names: string[]): string {
  if (!names.length) throw new CommandError('unset takes the names to unset, like unset(temperature, model), or unset(all).')
  const settings = sessionSettings(ctx.session.data)
  if (names.length === 1 && names[0] === 'all') {
    ctx.session.data.settings = {}
    ctx.session.touch()
    return 'Every setting of this session is unset: the gateway’s settings apply.'
  }
  for (const n of names) settable(n)
  for (const n of names) delete settings[n]
  ctx.session.touch()
  return `Unset for this session: ${names.join(', ')}.`
}

const set: Command = {
  name: 'set',
  usage: '(name=value, …)',
  summary: `sets session values: ${Object.keys(SETTABLE).join(', ')} (an empty value unsets)`,
  example: 'set(temperature=0.2, max-tokens=4096)',
  run(ctx, cmd) {
    if (cmd.args.length) throw new CommandError(`set takes name=value pairs, got "${cmd.args[0]}".`)
    const pairs = Object.entries(cmd.named)
    if (!pairs.length) throw new CommandError('set takes name=value pairs, like set(temperature=0.2).')
    return applySettings(ctx, pairs)
  },
}

const unset: Command = {
  name: 'unset',
  usage: '(name, …)',
  summary: 'removes session values (all: every one)',
  example: 'unset(temperature, model)',
  run(ctx, cmd) {
    if (Object.keys(cmd.named).length) throw new CommandError('unset takes names only, like unset(temperature).')
    return unsetSettings(ctx, cmd.args.map((a) => a.trim().toLowerCase()))
  },
}

/** A command that sets (or, given nothing, unsets) one value: `model(x)`, `temperature(0.2)`. */
function oneSetting(name: string, o: { usage: string; summary: string; example: string; key?: string }): Command {
  return {
    name,
    usage: o.usage,
    summary: o.summary,
    example: o.example,
    run(ctx, cmd) {
      const v = oneValue(cmd, o.key ?? 'value')
      return applySettings(ctx, [[name, v ?? '']])
    },
  }
}

const model = oneSetting('model', {
  usage: '(backend:model)',
  summary: 'sends every request of this session to this model, whatever the client names (empty: unset)',
  example: 'model(anthropic:claude-sonnet-4-5)',
  key: 'name',
})

const backend = oneSetting('backend', {
  usage: '(name)',
  summary: 'sends this session’s requests to this back end with the model name the client gives (empty: unset)',
  example: 'backend(openrouter)',
  key: 'name',
})

const temperature = oneSetting('temperature', {
  usage: '(0..2)',
  summary: 'sets the sampling temperature for this session (empty: unset)',
  example: 'temperature(0.2)',
})

const oneoff: Command = {
  name: 'oneoff',
  usage: '(backend:model)',
  summary: 'sends the next request only to this model (empty: cancel)',
  example: 'oneoff(openai:gpt-4.1)',
  run(ctx, cmd) {
    const v = oneValue(cmd, 'name')
    if (v === undefined || v.trim() === '') {
      delete ctx.session.data.oneoff
      ctx.session.touch()
      return 'No one-off model: the next request is routed as usual.'
    }
    ctx.session.data.oneoff = checkCommandSelector(ctx, v, 'oneoff')
    ctx.session.touch()
    return `The next request goes to ${ctx.session.data.oneoff}; later ones are routed as before.`
  },
}

/** `max`, `medium`, `low`, `no-think`: the reasoning effort in one word. */
function effort(name: string, value: SessionEffort, summary: string): Command {
  return {
    name,
    usage: '',
    summary,
    example: name,
    run(ctx, cmd: ParsedCommand) {
      noArgs(cmd)
      const reply = applySettings(ctx, [['reasoning-effort', value]])
      return value === 'none' ? `${reply} Reasoning is off where the model allows it.` : reply
    },
  }
}

const loopDetection: Command = {
  name: 'loop-detection',
  usage: '(true|false)',
  summary: `turns the content-loop detector on or off for this session (default: ${SWITCHES['loop-detection'].default ? 'on' : 'off'}, LOOP_DETECTION)`,
  example: 'loop-detection(true)',
  run(ctx, cmd) {
    const v = oneValue(cmd, 'value')
    if (v === undefined || v.trim() === '') throw new CommandError('loop-detection takes true or false.')
    return applySettings(ctx, [['loop-detection', v]])
  },
}

export const SETTING_COMMANDS: Command[] = [
  set,
  unset,
  model,
  backend,
  oneoff,
  temperature,
  // `high` is the strongest effort every back end takes as is (OpenAI sends `max` as xhigh, which older models refuse; Gemini reads it as high).
  effort('max', 'high', 'asks for the most reasoning every model accepts (reasoning-effort=high)'),
  effort('medium', 'medium', 'asks for medium reasoning (reasoning-effort=medium)'),
  effort('low', 'low', 'asks for little reasoning (reasoning-effort=low)'),
  effort('no-think', 'none', 'turns reasoning off where the model allows it (reasoning-effort=none)'),
  loopDetection,
]
