import { describe, expect, it } from 'vitest'
import type { HubStreamEvent } from '../../src/hub/stream'
import type { HubTool } from '../../src/hub/request'
import { responseToEvents } from '../../src/hub/response-events'
import { BLOCKS_BEFORE_STOP, dangerousCommandGuard } from '../../src/interceptors/dangerous-command-guard'
import { answerTurn, fakeRuntime, fakeSession, hubRequest, requestTurn, runWatch } from './turns'

const BASH: HubTool = { name: 'Bash', parameters: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } } } }
const READ: HubTool = { name: 'Read', parameters: { type: 'object', properties: { file_path: { type: 'string' } } } }

const start: HubStreamEvent = { type: 'start', id: 'msg_1', model: 'm' }
/** One tool call's events, its arguments split into `pieces` deltas. */
function call(index: number, name: string, args: unknown, pieces = 1): HubStreamEvent[] {
  const text = JSON.stringify(args)
  const size = Math.ceil(text.length / pieces)
  const deltas: HubStreamEvent[] = []
  for (let i = 0; i < text.length; i += size) deltas.push({ type: 'tool_call_delta', index, argumentsDelta: text.slice(i, i + size) })
  return [{ type: 'tool_call_start', index, id: `call_${index}`, name }, ...deltas, { type: 'tool_call_end', index }]
}
const finish = (reason: 'tool_calls' | 'stop' = 'tool_calls'): HubStreamEvent => ({ type: 'finish', reason })
const text = (out: HubStreamEvent[]) => out.flatMap((e) => (e.type === 'text_delta' ? [e.text] : [])).join('')
const callsOut = (out: HubStreamEvent[]) => out.flatMap((e) => (e.type === 'tool_call_start' ? [`${e.index}:${e.name}`] : []))

function watch(o: { tools?: HubTool[]; env?: Record<string, string>; config?: object; session?: ReturnType<typeof fakeSession> } = {}) {
  const { rt, logs } = fakeRuntime(o.env, o.config as never)
  const session = o.session ?? fakeSession()
  const turn = answerTurn(hubRequest({ tools: o.tools ?? [BASH, READ] }), { rt, session })
  return { w: dangerousCommandGuard.answer!(turn), session, logs, rt }
}

describe('dangerous-command guard: which answers it watches', () => {
  it('watches only answers to requests that declared a shell-like tool (by name or argument shape)', () => {
    expect(watch({ tools: [READ] }).w).toBeUndefined()
    expect(watch({ tools: [] }).w).toBeUndefined()
    for (const name of ['bash', 'shell', 'exec_command', 'execute_command', 'run_shell_command', 'run_terminal_cmd', 'local_shell', 'exec', 'terminal'])
      expect(watch({ tools: [{ name, parameters: {} }] }).w, name).toBeDefined()
    expect(watch({ tools: [{ name: 'do_it', parameters: { properties: { cmd: { type: 'string' } } } }] }).w).toBeDefined()
    expect(watch({ tools: [{ name: 'spawn', parameters: { properties: { command: { type: 'array', items: { type: 'string' } } } } }] }).w).toBeDefined()
    expect(watch({ tools: [{ name: 'count', parameters: { properties: { command: { type: 'integer' } } } }] }).w).toBeUndefined()
  })
  it('is off when the switch is off, in the settings or the session', () => {
    expect(watch({ env: { DANGEROUS_COMMAND_GUARD: 'off' } }).w).toBeUndefined()
    expect(watch({ session: fakeSession({ settings: { 'dangerous-command-guard': false } }) }).w).toBeUndefined()
  })
})

describe('dangerous-command guard: answers', () => {
  it('delivers a harmless call as the very same event objects', () => {
    const events = [start, ...call(0, 'Bash', { command: 'git status' }, 5), finish()]
    const out = runWatch(watch().w!, events)
    expect(out).toHaveLength(events.length)
    out.forEach((e, i) => expect(e).toBe(events[i]))
  })

  it('blocks a git reset --hard split over many deltas: text in its place, finish becomes stop', () => {
    const { w, session, logs } = watch()
    const out = runWatch(w!, [start, { type: 'text_delta', text: 'Resetting.' }, ...call(0, 'Bash', { command: 'git reset --hard', description: 'reset' }, 9), finish()])
    expect(callsOut(out)).toEqual([])
    expect(text(out)).toMatch(/^Resetting\.\n\n\[gateway\] Blocked: the Bash call `git reset --hard` was not delivered/)
    expect(text(out)).toContain('throws away uncommitted changes')
    expect(text(out)).toContain('ask the user to run it themselves')
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'stop' })
    expect(session.data['dangerous-command-guard']).toMatchObject({ blocked: 1 })
    expect(session.touched).toBeGreaterThan(0)
    expect(logs.some((l) => l.includes('dangerous-command-guard: blocked a Bash call') && l.includes('git reset --hard'))).toBe(true)
  })

  it('sees through wrappers and chains, argv arrays and fullwidth letters', () => {
    for (const args of [
      { command: "bash -lc 'git reset --hard'" },
      { command: 'cd x && rm -rf y' },
      { command: '\x1b[1mgit\x1b[0m reset --hard' },
      { command: 'ｒｍ －ｒｆ ｂｕｉｌｄ' },
      { command: ['bash', '-lc', 'git clean -fdx'] },
      { command: `'git' "push" --force` },
    ]) {
      const out = runWatch(watch().w!, [start, ...call(0, 'Bash', args, 3), finish()])
      expect(callsOut(out), JSON.stringify(args)).toEqual([])
      expect(text(out)).toContain('[gateway] Blocked')
    }
  })

  it('of several calls, blocks only the dangerous one and renumbers the rest; finish stays tool_calls', () => {
    const out = runWatch(watch().w!, [
      start,
      ...call(0, 'Bash', { command: 'rm -rf /' }, 4),
      ...call(1, 'Bash', { command: 'ls' }, 2),
      ...call(2, 'Read', { file_path: 'a.ts' }),
      finish(),
    ])
    expect(callsOut(out)).toEqual(['0:Bash', '1:Read'])
    expect(out.filter((e) => e.type === 'tool_call_delta').map((e) => (e as { index: number }).index)).toEqual([0, 0, 1])
    expect(text(out)).toContain('`rm -rf /`')
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' })
  })

  it('passes other tools at once, but keeps the order behind a held call', () => {
    const w = watch().w!
    const got: HubStreamEvent[] = []
    const emit = { enqueue: (e: HubStreamEvent) => void got.push(e) }
    const read = call(0, 'Read', { file_path: 'x' })
    w.event(start, emit)
    for (const e of read) w.event(e, emit)
    expect(got).toEqual([start, ...read]) // a non-shell call is not held
    const bash = call(1, 'Bash', { command: 'ls' }, 3)
    w.event(bash[0]!, emit)
    w.event(bash[1]!, emit)
    const t: HubStreamEvent = { type: 'text_delta', text: 'after' }
    w.event(t, emit)
    expect(got).toHaveLength(1 + read.length) // the shell call and what follows it wait
    for (const e of bash.slice(2)) w.event(e, emit)
    expect(got.slice(1 + read.length)).toEqual([bash[0], bash[1], t, ...bash.slice(2)]) // in the order they came
  })

  it('handles interleaved calls: the notice waits until no call is open', () => {
    const out = runWatch(watch().w!, [
      start,
      { type: 'tool_call_start', index: 0, id: 'a', name: 'Read' },
      { type: 'tool_call_start', index: 1, id: 'b', name: 'Bash' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"command":"git branch -D x"}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"file_path":"y"}' },
      { type: 'tool_call_end', index: 0 },
      finish(),
    ])
    const kinds = out.map((e) => e.type)
    expect(kinds).toEqual(['start', 'tool_call_start', 'tool_call_delta', 'tool_call_end', 'text_delta', 'finish'])
    expect(text(out)).toContain('git branch -D x')
  })

  it('blocks on the finished-response path too (the events of a whole response)', () => {
    const events = responseToEvents({
      id: 'r1',
      model: 'm',
      content: [
        { type: 'text', text: 'On it.' },
        { type: 'tool_call', id: 'c1', name: 'Bash', arguments: '{"command":"git push --force origin main"}' },
        { type: 'tool_call', id: 'c2', name: 'Bash', arguments: '{"command":"git status"}' },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 1, outputTokens: 2 },
    } as never)
    const out = runWatch(watch().w!, events)
    expect(out.filter((e) => e.type === 'tool_call_start').map((e) => (e as { id: string }).id)).toEqual(['c2'])
    expect(text(out)).toContain('git push --force origin main')
  })

  it('drops a call still incomplete when the stream is cut, releases the rest', () => {
    const bash = call(0, 'Bash', { command: 'git reset --hard' }, 3)
    const out = runWatch(watch().w!, [start, { type: 'text_delta', text: 'x' }, ...bash.slice(0, 2)])
    expect(out.map((e) => e.type)).toEqual(['start', 'text_delta'])
  })

  it('honours allowed_commands and dangerous_commands from the config file', () => {
    const config = { dangerous_commands: [{ pattern: '^npm publish', reason: 'only people publish' }], allowed_commands: [{ pattern: '^rm -rf dist$' }] }
    const a = runWatch(watch({ config }).w!, [start, ...call(0, 'Bash', { command: 'rm -rf dist' }), finish()])
    expect(callsOut(a)).toEqual(['0:Bash'])
    const b = runWatch(watch({ config }).w!, [start, ...call(0, 'Bash', { command: 'npm publish' }), finish()])
    expect(callsOut(b)).toEqual([])
    expect(text(b)).toContain('only people publish')
  })
})

describe('dangerous-command guard: the session stop', () => {
  const body = { model: 'gpt-4.1', messages: [{ role: 'user', content: 'go on' }] }

  it(`stops the session's turns after ${BLOCKS_BEFORE_STOP} blocked calls, until the user sets the switch`, () => {
    const session = fakeSession({ settings: { 'dangerous-command-guard': true } })
    const { rt } = fakeRuntime()
    for (let i = 0; i < BLOCKS_BEFORE_STOP; i++) {
      const before = requestTurn('openai-chat', body, { rt, session })
      dangerousCommandGuard.request!(before)
      expect(before.replied).toBeUndefined()
      const w = dangerousCommandGuard.answer!(answerTurn(hubRequest({ tools: [BASH] }), { rt, session }))!
      runWatch(w, [start, ...call(0, 'Bash', { command: `rm -rf dir${i}` }), finish()])
    }
    const stopped = requestTurn('openai-chat', body, { rt, session })
    dangerousCommandGuard.request!(stopped)
    expect(stopped.replied).toContain('stopped this session')
    expect(stopped.replied).toContain('blocked 3 destructive commands')
    expect(stopped.replied).toContain('!/set(dangerous-command-guard=true)')
    // Still stopped on the next turn.
    const again = requestTurn('openai-chat', body, { rt, session })
    dangerousCommandGuard.request!(again)
    expect(again.replied).toContain('stopped this session')
    // The user answers with !/set (the commands interceptor writes the setting): turns go on, the count starts over.
    session.data.settings = { ...session.data.settings, 'dangerous-command-guard': true }
    const lifted = requestTurn('openai-chat', body, { rt, session })
    dangerousCommandGuard.request!(lifted)
    expect(lifted.replied).toBeUndefined()
    expect(session.data['dangerous-command-guard']).toEqual({ blocked: 0 })
  })

  it('a new session is not stopped', () => {
    const t = requestTurn('openai-chat', body, { session: fakeSession({}, 'other') })
    dangerousCommandGuard.request!(t)
    expect(t.replied).toBeUndefined()
  })
})
