import { describe, expect, it } from 'vitest'
import { SWITCHES } from '../../../src/config/interactive-settings'
import { COMMANDS } from '../../../src/interceptors/commands/registry'
import { SETTABLE } from '../../../src/interceptors/commands/settable'
import { commandRuntime, run } from './context'

describe('help and hello', () => {
  it('help lists every command with one line each, in the session prefix', () => {
    const r = run('##help', {}, { prefix: '##' })
    expect(r.failed).toBe(false)
    for (const c of COMMANDS) expect(r.reply).toMatch(new RegExp(`^##${c.name.replace(/-/g, '\\-')}[(:]`, 'm'))
    expect(r.reply).not.toContain('!/')
    expect(r.touched).toBe(0)
  })

  it('help(name) shows one command with an example', () => {
    const r = run('!/help(model)')
    expect(r.reply).toBe(
      '!/model(backend:model): sends every request of this session to this model, whatever the client names (empty: unset).\nExample: !/model(anthropic:claude-sonnet-4-5)',
    )
    expect(run('!/help(!/oneoff)').reply).toContain('Example: !/oneoff(openai:gpt-4.1)')
  })

  it('help(set) lists every settable name with what it takes', () => {
    const r = run('!/help(set)')
    for (const name of Object.keys(SETTABLE)) expect(r.reply).toContain(`  ${name}: `)
    for (const name of Object.keys(SWITCHES)) expect(r.reply).toContain(`  ${name}: true or false`)
  })

  it('every command has an example that runs without a parse error', () => {
    for (const c of COMMANDS) expect(c.example.startsWith(c.name)).toBe(true)
  })

  it('hello says what the gateway is and the session id', () => {
    const r = run('!/hello')
    expect(r.reply).toContain('LLM API gateway')
    expect(r.reply).toContain('session sess-1')
    expect(r.reply).toContain('!/help')
  })
})

describe('set and unset', () => {
  it('stores each value by its !/set name, typed, and touches the session', () => {
    const r = run('!/set(temperature=0.2, top-p=0.9, max-tokens=4096, thinking-budget=2048, reasoning-effort=HIGH, tool-repair=off, loop-detection=on, command-prefix=##)')
    expect(r.failed).toBe(false)
    expect(r.data.settings).toEqual({
      temperature: 0.2,
      'top-p': 0.9,
      'max-tokens': 4096,
      'thinking-budget': 2048,
      'reasoning-effort': 'high',
      'tool-repair': false,
      'loop-detection': true,
      'command-prefix': '##',
    })
    expect(r.touched).toBe(1)
    expect(r.reply).toContain('Commands now start with ##')
  })

  it('takes every switch of SWITCHES, with true/false/on/off', () => {
    for (const name of Object.keys(SWITCHES)) {
      expect(run(`!/set(${name}=false)`).data.settings![name]).toBe(false)
      expect(run(`!/set(${name}=ON)`).data.settings![name]).toBe(true)
    }
  })

  it('checks every value before storing any', () => {
    const r = run('!/set(temperature=0.5, top-p=3)', { settings: { temperature: 1 } })
    expect(r.failed).toBe(true)
    expect(r.reply).toBe('!/set: top-p: must be a number from 0 to 1, got "3". Type !/help(set) for help.')
    expect(r.data.settings).toEqual({ temperature: 1 })
    expect(r.touched).toBe(0)
  })

  it.each([
    ['temperature=2.5', 'temperature: must be a number from 0 to 2, got "2.5"'],
    ['temperature=abc', 'temperature: must be a number from 0 to 2'],
    ['top-p=-0.1', 'top-p: must be a number from 0 to 1'],
    ['max-tokens=0', 'max-tokens: must be a whole number above 0, got "0"'],
    ['max-tokens=1.5', 'max-tokens: must be a whole number above 0'],
    ['thinking-budget=-5', 'thinking-budget: must be a whole number above 0'],
    ['reasoning-effort=huge', 'reasoning-effort: must be one of none, minimal, low, medium, high, xhigh, max'],
    ['tool-repair=maybe', 'tool-repair: must be true or false (on/off), got "maybe"'],
    ['command-prefix=ab', 'command-prefix: must be 1 to 8 punctuation characters'],
    ['command-prefix="! /"', 'command-prefix: must be 1 to 8 punctuation characters'],
    ['colour=red', 'unknown setting "colour" (known: model, backend,'],
    ['model=nosuch:gpt-4.1', 'model: unknown back end "nosuch" in "nosuch:gpt-4.1" (configured: openai, anthropic, openai-responses;'],
    ['model=gemini:gemini-2.5-pro', 'model: the "gemini" back end has no API key: set GEMINI_API_KEY'],
    ['model=openai:gpt-4.1?temperature=9', 'parameter temperature=9'],
    ['model=openai:gpt-4.1|', 'an empty entry'],
    ['backend=nosuch', 'backend: unknown back end "nosuch"'],
  ])('refuses set(%s) saying why', (arg, why) => {
    const r = run(`!/set(${arg})`)
    expect(r.failed).toBe(true)
    expect(r.reply).toContain(why)
    expect(r.reply).toContain('Type !/help(set) for help.')
    expect(r.data.settings ?? {}).toEqual({})
  })

  it('set takes pairs only', () => {
    expect(run('!/set(temperature)').reply).toContain('!/set: takes name=value pairs, got "temperature"')
    expect(run('!/set').reply).toContain('!/set: takes name=value pairs')
  })

  it('an empty value unsets', () => {
    const r = run('!/set(temperature=)', { settings: { temperature: 1, 'top-p': 0.5 } })
    expect(r.data.settings).toEqual({ 'top-p': 0.5 })
    expect(r.reply).toContain('temperature unset')
  })

  it('unset removes the named values; unset(all) every one', () => {
    const data = { settings: { temperature: 1, 'top-p': 0.5, model: 'openai:gpt-4.1' } }
    expect(run('!/unset(temperature, MODEL)', data).data.settings).toEqual({ 'top-p': 0.5 })
    expect(run('!/unset(all)', { settings: { temperature: 1 } }).data.settings).toEqual({})
    expect(run('!/unset(colour)', { settings: { temperature: 1 } })).toMatchObject({ failed: true, data: { settings: { temperature: 1 } } })
    expect(run('!/unset').reply).toContain('!/unset: takes the names to unset')
    expect(run('!/unset(temperature=1)').reply).toContain('!/unset: takes names only')
  })
})

describe('model, backend, oneoff', () => {
  it('model(selector) sets the session model; positional or name=', () => {
    expect(run('!/model(anthropic:claude-sonnet-4-5)').data.settings).toEqual({ model: 'anthropic:claude-sonnet-4-5' })
    expect(run('!/model(name=openai:gpt-4.1?temperature=0.1)').data.settings).toEqual({ model: 'openai:gpt-4.1?temperature=0.1' })
  })

  it('model takes failover selectors, global routes, bare models and colon models a back end lists', () => {
    const rt = commandRuntime({ ROUTES: '{"fast":["openai:gpt-4.1-mini","anthropic:claude-haiku-4-5"]}', OPENAI_MODELS: 'llama3:8b' })
    expect(run('!/model(openai:gpt-4.1|anthropic:claude-sonnet-4-5)', {}, { rt }).data.settings!.model).toBe('openai:gpt-4.1|anthropic:claude-sonnet-4-5')
    expect(run('!/model(fast)', {}, { rt }).data.settings!.model).toBe('fast')
    expect(run('!/model(gpt-4.1)', {}, { rt }).data.settings!.model).toBe('gpt-4.1')
    expect(run('!/model(llama3:8b)', {}, { rt }).data.settings!.model).toBe('llama3:8b')
  })

  it('model() or model("") unsets it', () => {
    expect(run('!/model()', { settings: { model: 'openai:gpt-4.1' } }).data.settings).toEqual({})
    expect(run('!/model("")', { settings: { model: 'openai:gpt-4.1' } }).data.settings).toEqual({})
  })

  it('model and backend replace each other', () => {
    const a = run('!/model(openai:gpt-4.1)', { settings: { backend: 'anthropic' } })
    expect(a.data.settings).toEqual({ model: 'openai:gpt-4.1' })
    expect(a.reply).toContain('backend unset (model replaces it)')
    expect(run('!/backend(anthropic)', { settings: { model: 'openai:gpt-4.1' } }).data.settings).toEqual({ backend: 'anthropic' })
  })

  it('model refuses an unknown back end, a model name that steers a URL, and extra arguments', () => {
    expect(run('!/model(opnai:gpt-4.1)').reply).toMatch(/^!\/model: unknown back end "opnai" in "opnai:gpt-4\.1" \(configured: openai, anthropic, openai-responses;.*\. Type !\/help\(model\) for help\.$/)
    expect(run('!/model(openai:../admin)').reply).toContain('is not a valid model name')
    expect(run('!/model(a:b, c:d)').reply).toContain('!/model: takes one value, got 2')
    expect(run('!/model(model=a:b)').reply).toContain('!/model: does not take "model"')
  })

  it('backend(name) needs a usable back end', () => {
    expect(run('!/backend(anthropic)').data.settings).toEqual({ backend: 'anthropic' })
    expect(run('!/backend(mistral)').reply).toContain('the "mistral" back end has no API key: set MISTRAL_API_KEY')
    expect(run('!/backend(azure-openai)', {}, { rt: commandRuntime({ AZURE_OPENAI_API_KEY: 'k' }) }).reply).toContain('has no URL')
  })

  it('oneoff(selector) stores the next request’s model; empty cancels it', () => {
    const r = run('!/oneoff(anthropic:claude-haiku-4-5)')
    expect(r.data).toEqual({ oneoff: 'anthropic:claude-haiku-4-5' })
    expect(r.touched).toBe(1)
    expect(run('!/oneoff()', { oneoff: 'openai:gpt-4.1' }).data).toEqual({})
    expect(run('!/oneoff(nosuch:x)').failed).toBe(true)
  })
})

describe('shortcuts', () => {
  it('temperature(x) sets it, checked; empty unsets', () => {
    expect(run('!/temperature(0.7)').data.settings).toEqual({ temperature: 0.7 })
    expect(run('!/temperature(3)').reply).toBe('!/temperature: must be a number from 0 to 2, got "3". Type !/help(temperature) for help.')
    expect(run('!/temperature()', { settings: { temperature: 1 } }).data.settings).toEqual({})
  })

  it('max, medium, low and no-think set the reasoning effort', () => {
    expect(run('!/max').data.settings).toEqual({ 'reasoning-effort': 'high' })
    expect(run('!/medium').data.settings).toEqual({ 'reasoning-effort': 'medium' })
    expect(run('!/low').data.settings).toEqual({ 'reasoning-effort': 'low' })
    expect(run('!/no-think').data.settings).toEqual({ 'reasoning-effort': 'none' })
    expect(run('!/max(1)').reply).toContain('!/max: takes no arguments')
  })

  it('loop-detection(true|false) sets the switch', () => {
    expect(run('!/loop-detection(true)').data.settings).toEqual({ 'loop-detection': true })
    expect(run('!/loop-detection(off)').data.settings).toEqual({ 'loop-detection': false })
    expect(run('!/loop-detection').reply).toContain('!/loop-detection: takes true or false')
    expect(run('!/loop-detection(perhaps)').failed).toBe(true)
  })
})

describe('session', () => {
  it('shows the id, where it came from, every value, the one-off and the routes', () => {
    const r = run('!/session', {
      settings: { temperature: 0.2, model: 'openai:gpt-4.1' },
      oneoff: 'anthropic:claude-haiku-4-5',
      routes: { fast: { policy: 'km', elements: ['openai:gpt-4.1-mini', 'anthropic:claude-haiku-4-5'] } },
    })
    expect(r.reply).toContain('Session sess-1 (identified by header)')
    expect(r.reply).toContain('temperature = 0.2, model = openai:gpt-4.1')
    expect(r.reply).toContain('the next request goes to anthropic:claude-haiku-4-5')
    expect(r.reply).toContain('fast (km) = openai:gpt-4.1-mini|anthropic:claude-haiku-4-5')
    expect(r.touched).toBe(0)
  })

  it('says when nothing is set', () => {
    expect(run('!/session').reply).toContain('Set: nothing')
  })
})

describe('unknown and unreadable commands', () => {
  it('an unknown command says so and how to get help, in the session prefix', () => {
    expect(run('!/modle(openai:gpt-4.1)')).toMatchObject({ failed: true, reply: 'Unknown command !/modle. Type !/help for the list.' })
    expect(run('##frobnicate', {}, { prefix: '##' }).reply).toBe('Unknown command ##frobnicate. Type ##help for the list.')
  })

  it('a command whose arguments never close says what is missing', () => {
    expect(run('!/set(temperature="0.2)').reply).toBe('Could not read the command !/set(temperature="0.2): a quote (") is not closed. Type !/help(set) for help.')
  })

  it('help for an unknown command', () => {
    expect(run('!/help(nothing)').reply).toContain('there is no command "nothing"')
  })
})

describe('set(capture=on)', () => {
  it('says so when the gateway has nowhere to keep captures (a Worker without CAPTURE_BUCKET), and not when it has', () => {
    const none = run('!/set(capture=on)')
    expect(none.failed).toBe(false)
    expect(none.data.settings).toMatchObject({ capture: true })
    expect(none.reply).toContain('nowhere to keep captures')
    const rt = Object.assign(commandRuntime(), { captureSink: { write: async () => {} } as never })
    const kept = run('!/set(capture=on)', {}, { rt })
    expect(kept.reply).toBe('Set for this session: capture = true.')
    expect(run('!/set(capture=off)').reply).toBe('Set for this session: capture = false.')
  })
})
