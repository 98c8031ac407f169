import { describe, expect, it } from 'vitest'
import type { HubTool } from '../../src/hub/request'
import { responseToEvents } from '../../src/hub/response-events'
import type { HubStreamEvent } from '../../src/hub/stream'
import { HOLD_LIMIT, toolRepair } from '../../src/interceptors/tool-repair'
import type { AnswerWatch } from '../../src/interceptors/types'
import { answerTurn, fakeSession, hubRequest, runWatch } from './turns'

const TOOLS: HubTool[] = [
  {
    name: 'read_file',
    parameters: { type: 'object', properties: { path: { type: 'string' }, limit: { type: 'integer' } }, required: ['path'] },
  },
  {
    name: 'execute_command',
    parameters: {
      type: 'object',
      properties: { command: { type: 'string' }, requires_approval: { type: 'boolean' }, env: { type: 'object' } },
      required: ['command'],
    },
  },
  { name: 'get_time', parameters: { type: 'object', properties: {} } },
]

type Ev = HubStreamEvent
const text = (t: string): Ev => ({ type: 'text_delta', text: t })
const START: Ev = { type: 'start', id: 'r1', model: 'm' }
const finish = (reason: 'stop' | 'length' | 'tool_calls' = 'stop'): Ev => ({ type: 'finish', reason, stopSequence: reason === 'stop' ? undefined : undefined })

function watch(over: Parameters<typeof hubRequest>[0] = {}, o: Parameters<typeof answerTurn>[1] = {}): AnswerWatch {
  const w = toolRepair.answer!(answerTurn(hubRequest({ tools: TOOLS, ...over }), o))
  if (!w) throw new Error('no watch')
  return w
}

function chunks(s: string, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n))
  return out
}

/** Runs a whole answer written as these text chunks. */
function run(parts: string[], reason: 'stop' | 'length' = 'stop', w = watch()) {
  const events = [START, ...parts.map(text), finish(reason)]
  const out = runWatch(w, events)
  return { events, out, ...summary(out) }
}

function summary(out: Ev[]) {
  const calls: { index: number; id: string; name: string; args: string; kind?: string }[] = []
  let txt = ''
  for (const e of out) {
    if (e.type === 'text_delta') txt += e.text
    if (e.type === 'tool_call_start') calls.push({ index: e.index, id: e.id, name: e.name, args: '', ...(e.kind ? { kind: e.kind } : {}) })
    if (e.type === 'tool_call_delta') calls.find((c) => c.index === e.index)!.args += e.argumentsDelta
  }
  const fin = out.find((e) => e.type === 'finish')
  return { calls, text: txt, reason: fin?.type === 'finish' ? fin.reason : undefined }
}

const args = (c: { args: string }) => JSON.parse(c.args)

describe('tool-repair: when it watches', () => {
  it('watches only answers to requests that declared tools, with the switch on and tool_choice not none', () => {
    expect(toolRepair.answer!(answerTurn(hubRequest()))).toBeUndefined()
    expect(toolRepair.answer!(answerTurn(hubRequest({ tools: TOOLS })))).toBeDefined()
    expect(toolRepair.answer!(answerTurn(hubRequest({ tools: TOOLS, toolChoice: { type: 'none' } })))).toBeUndefined()
    const off = fakeSession({ settings: { 'tool-repair': false } })
    expect(toolRepair.answer!(answerTurn(hubRequest({ tools: TOOLS }), { session: off }))).toBeUndefined()
    const native: HubTool = { name: 'web_search', parameters: {}, native: { protocol: 'anthropic', label: 'web_search', raw: {} } }
    expect(toolRepair.answer!(answerTurn(hubRequest({ tools: [native] })))).toBeUndefined()
  })
})

describe('tool-repair: prose', () => {
  it('passes text without a trigger character at once, as the same event', () => {
    const w = watch()
    const got: Ev[] = []
    const emit = { enqueue: (e: Ev) => void got.push(e) }
    const e1 = text('Hello, this is plain prose. ')
    w.event(START, emit)
    w.event(e1, emit)
    expect(got[1]).toBe(e1)
    const e2 = text('And more of it (with parentheses), quotes "x" and 100% sure.')
    w.event(e2, emit)
    expect(got[2]).toBe(e2)
    w.event(finish(), emit)
    expect(got).toHaveLength(4)
    expect(got[3]).toEqual(finish())
  })

  it('releases held text that is not a call unchanged, as the same events', () => {
    const samples = [
      ['In TypeScript, `Array<string>` and { a: 1 } are fine.'],
      ['if a <', ' b then ', '{', ' x: 1 }'],
      ['```python\nprint("hi")\n```\n'],
      ['```json\n{"users": [{"name": "ann"}]}\n```'],
      ['{"name": "Alice", "age": 30}'],
      ['[see the docs](https://x.y) and [', '1, 2]'],
      ['<div>html</div> <b>bold</b> <read>not a tool</read>'],
      ['{"name": "delete_everything", "arguments": {}}'],
      ['<tool_call>{"name": "nope", "arguments": {}}</tool_call>'],
      ['<write_file><path>x</path></write_file>'],
      ['a fence that never ends ```'],
      ['<tool_', 'call> is how Hermes writes calls'],
    ]
    for (const parts of samples) {
      const r = run(parts)
      expect(r.calls, parts.join('')).toEqual([])
      expect(r.text).toBe(parts.join(''))
      expect(r.reason).toBe('stop')
      // Every text event that went out is one that came in.
      r.out.filter((e) => e.type === 'text_delta').forEach((e, i) => expect(e).toBe(r.events[i + 1]))
    }
  })

  it('lets a JSON object whose name is no declared tool go as soon as the name is read', () => {
    const w = watch()
    const got: Ev[] = []
    const emit = { enqueue: (e: Ev) => void got.push(e) }
    const a = text('{"name": "my-app", ')
    w.event(a, emit)
    expect(got).toEqual([a])
    expect(got[0]).toBe(a)
  })

  it('holds only from a trigger on: a chunk ending in "<" waits for the next', () => {
    const w = watch()
    const got: Ev[] = []
    const emit = { enqueue: (e: Ev) => void got.push(e) }
    const a = text('x <')
    const b = text('= y')
    w.event(a, emit)
    expect(got).toEqual([])
    w.event(b, emit)
    expect(got[0]).toBe(a)
    expect(got[1]).toBe(b)
  })
})

const READ = '{"name": "read_file", "arguments": {"path": "src/a.ts"}}'

describe('tool-repair: formats', () => {
  const cases: [string, string, { name: string; args: unknown }[]][] = [
    ['bare JSON', READ, [{ name: 'read_file', args: { path: 'src/a.ts' } }]],
    ['JSON in a json fence', '```json\n' + READ + '\n```', [{ name: 'read_file', args: { path: 'src/a.ts' } }]],
    ['JSON in a plain fence', '```\n' + READ + '\n```\n', [{ name: 'read_file', args: { path: 'src/a.ts' } }]],
    ['"parameters"', '{"name": "read_file", "parameters": {"path": "p"}}', [{ name: 'read_file', args: { path: 'p' } }]],
    ['"input"', '{"name": "execute_command", "input": {"command": "ls"}}', [{ name: 'execute_command', args: { command: 'ls' } }]],
    [
      'function_call with string arguments',
      '{"function_call": {"name": "read_file", "arguments": "{\\"path\\": \\"x\\"}"}}',
      [{ name: 'read_file', args: { path: 'x' } }],
    ],
    ['tool + args', '{"tool": "execute_command", "args": {"command": "git status"}}', [{ name: 'execute_command', args: { command: 'git status' } }]],
    ['tool + arguments', '{"tool": "read_file", "arguments": {"path": "b"}}', [{ name: 'read_file', args: { path: 'b' } }]],
    [
      'OpenAI tool_calls item',
      '{"id": "call_1", "type": "function", "function": {"name": "read_file", "arguments": "{\\"path\\":\\"c\\"}"}}',
      [{ name: 'read_file', args: { path: 'c' } }],
    ],
    [
      'an array of calls',
      '[{"name": "read_file", "arguments": {"path": "a"}}, {"name": "execute_command", "arguments": {"command": "ls"}}]',
      [
        { name: 'read_file', args: { path: 'a' } },
        { name: 'execute_command', args: { command: 'ls' } },
      ],
    ],
    ['harmony functions.name', '{"name": "functions.read_file", "arguments": {"path": "h"}}', [{ name: 'read_file', args: { path: 'h' } }]],
    ['no arguments for a tool that needs none', '{"name": "get_time"}', [{ name: 'get_time', args: {} }]],
    ['Hermes <tool_call>', '<tool_call>\n' + READ + '\n</tool_call>', [{ name: 'read_file', args: { path: 'src/a.ts' } }]],
    [
      'Hermes, two calls',
      '<tool_call>\n' + READ + '\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>',
      [
        { name: 'read_file', args: { path: 'src/a.ts' } },
        { name: 'get_time', args: {} },
      ],
    ],
    [
      'Hermes with almost-JSON (single quotes, trailing comma)',
      "<tool_call>{\"name\": \"read_file\", \"arguments\": {'path': 'q.ts',}}</tool_call>",
      [{ name: 'read_file', args: { path: 'q.ts' } }],
    ],
    [
      'Qwen3-Coder XML',
      '<tool_call>\n<function=read_file>\n<parameter=path>\nsrc/main.py\n</parameter>\n<parameter=limit>\n20\n</parameter>\n</function>\n</tool_call>',
      [{ name: 'read_file', args: { path: 'src/main.py', limit: 20 } }],
    ],
    [
      'Qwen3-Coder XML without the wrapper, object parameter',
      '<function=execute_command>\n<parameter=command>\nls -la\n</parameter>\n<parameter=env>\n{"A": "1"}\n</parameter>\n</function>',
      [{ name: 'execute_command', args: { command: 'ls -la', env: { A: '1' } } }],
    ],
    [
      'DeepSeek V3',
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>read_file\n```json\n{"path": "d.ts"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
      [{ name: 'read_file', args: { path: 'd.ts' } }],
    ],
    [
      'DeepSeek V3.1, two calls',
      '<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>read_file<｜tool▁sep｜>{"path": "e.ts"}<｜tool▁call▁end｜><｜tool▁call▁begin｜>execute_command<｜tool▁sep｜>{"command": "pwd"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
      [
        { name: 'read_file', args: { path: 'e.ts' } },
        { name: 'execute_command', args: { command: 'pwd' } },
      ],
    ],
    [
      'DeepSeek V3.2 DSML',
      '<｜DSML｜function_calls>\n<｜DSML｜invoke name="read_file">\n<｜DSML｜parameter name="path" string="true">f.ts</｜DSML｜parameter>\n<｜DSML｜parameter name="limit" string="false">5</｜DSML｜parameter>\n</｜DSML｜invoke>\n<｜DSML｜invoke name="execute_command">\n<｜DSML｜parameter name="command" string="true">echo 1</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls>',
      [
        { name: 'read_file', args: { path: 'f.ts', limit: 5 } },
        { name: 'execute_command', args: { command: 'echo 1' } },
      ],
    ],
    [
      '<function_calls><invoke>',
      '<function_calls>\n<invoke name="execute_command">\n<parameter name="command">npm test</parameter>\n<parameter name="requires_approval">true</parameter>\n</invoke>\n</function_calls>',
      [{ name: 'execute_command', args: { command: 'npm test', requires_approval: true } }],
    ],
    ['Cline XML', '<read_file>\n<path>src/app.ts</path>\n</read_file>', [{ name: 'read_file', args: { path: 'src/app.ts' } }]],
    [
      'Cline XML, boolean child and a value with markup',
      '<execute_command>\n<command>echo "<b>" > x.html</command>\n<requires_approval>false</requires_approval>\n</execute_command>',
      [{ name: 'execute_command', args: { command: 'echo "<b>" > x.html', requires_approval: false } }],
    ],
  ]

  for (const [label, answer, expected] of cases) {
    it(`${label}: whole, and split into chunks of 1, 2, 3, 5 and 17 characters`, () => {
      for (const parts of [[answer], ...[1, 2, 3, 5, 17].map((n) => chunks(answer, n))]) {
        const r = run(parts)
        expect(r.calls.map((c) => ({ name: c.name, args: args(c) })), `${label} in ${parts.length} parts`).toEqual(expected)
        expect(r.calls.map((c) => c.index)).toEqual(expected.map((_, i) => i))
        expect(r.text.trim()).toBe('')
        expect(r.reason).toBe('tool_calls')
        for (const c of r.calls) expect(c.id).toMatch(/^call_[0-9a-f]{24}$/)
      }
    })
  }

  it('never invents arguments: a call whose arguments cannot be read stays text', () => {
    for (const answer of [
      '{"name": "read_file", "arguments": "not json at all"}',
      '{"name": "read_file"}',
      '<tool_call>{"name": "read_file", "arguments": 42}</tool_call>',
      '<read_file></read_file>',
      '<tool_call>\n<function=read_file>\n</function>\n</tool_call>',
    ]) {
      const r = run(chunks(answer, 4))
      expect(r.calls, answer).toEqual([])
      expect(r.text).toBe(answer)
      expect(r.reason).toBe('stop')
    }
  })

  it('keeps a tool description (parameters as a JSON Schema) as text', () => {
    const answer = '{"name": "read_file", "description": "Reads a file", "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}'
    const r = run([answer])
    expect(r.calls).toEqual([])
    expect(r.text).toBe(answer)
  })

  it('a custom (free-form) tool gets its input as raw text', () => {
    const patch: HubTool = { name: 'apply_patch', kind: 'custom', parameters: {} }
    const r = run(['{"name": "apply_patch", "input": "*** Begin Patch\\n*** End Patch"}'], 'stop', watch({ tools: [patch] }))
    expect(r.calls).toEqual([{ index: 0, id: r.calls[0]!.id, name: 'apply_patch', args: '*** Begin Patch\n*** End Patch', kind: 'custom' }])
  })

  it('a namespaced tool keeps its namespace', () => {
    const ns: HubTool = { name: 'mcp__gh__list', namespace: { name: 'mcp__gh', localName: 'list' }, parameters: { type: 'object', properties: {} } }
    const out = runWatch(watch({ tools: [ns] }), [START, text('{"name": "mcp__gh__list", "arguments": {}}'), finish()])
    const start = out.find((e) => e.type === 'tool_call_start')
    expect(start).toMatchObject({ name: 'mcp__gh__list', namespace: { name: 'mcp__gh', localName: 'list' } })
  })
})

describe('tool-repair: streaming', () => {
  it('releases text before a call before the call, and keeps text after it', () => {
    const answer = 'Let me read it.\n\n<tool_call>\n' + READ + '\n</tool_call>\nI will wait for the result.'
    for (const n of [1, 4, 1000]) {
      const r = run(chunks(answer, n))
      expect(r.calls.map((c) => c.name)).toEqual(['read_file'])
      expect(r.text).toBe('Let me read it.\n\nI will wait for the result.')
      const firstCall = r.out.findIndex((e) => e.type === 'tool_call_start')
      const lastText = r.out.findLastIndex((e) => e.type === 'text_delta' && e.text.includes('Let me'))
      expect(lastText).toBeLessThan(firstCall)
    }
  })

  it('sends prose that comes before a call on at once, as the same events, while the call is still arriving', () => {
    const w = watch()
    const got: Ev[] = []
    const emit = { enqueue: (e: Ev) => void got.push(e) }
    const a = text('Reading the file now. ')
    const b = text('<tool_')
    const c = text('call>{"name": "read_file", ')
    w.event(START, emit)
    w.event(a, emit)
    w.event(b, emit)
    w.event(c, emit)
    expect(got).toEqual([START, a])
    expect(got[1]).toBe(a)
    w.event(text('"arguments": {"path": "z"}}</tool_call>'), emit)
    expect(summary(got).calls).toEqual([{ index: 0, id: expect.any(String), name: 'read_file', args: '{"path":"z"}' }])
    w.event(finish(), emit)
    expect(summary(got).reason).toBe('tool_calls')
  })

  it('several calls with text between them, each in its own order', () => {
    const answer = [
      'First: ',
      '<tool_call>{"name": "get_time", "arguments": {}}</tool_call>',
      ' then ',
      '```json\n{"name": "read_file", "arguments": {"path": "a"}}\n```',
      ' and finally ',
      '<execute_command><command>ls</command></execute_command>',
    ].join('')
    for (const n of [1, 3, 9, 10_000]) {
      const r = run(chunks(answer, n))
      expect(r.calls.map((c) => [c.index, c.name])).toEqual([
        [0, 'get_time'],
        [1, 'read_file'],
        [2, 'execute_command'],
      ])
      expect(r.text.replace(/\s+/g, ' ').trim()).toBe('First: then and finally')
      // Text comes out where it was: before the call that followed it.
      const order = r.out.map((e) => (e.type === 'tool_call_start' ? `[${e.name}]` : e.type === 'text_delta' ? e.text : '')).join('')
      expect(order).toBe('First: [get_time]then [read_file]and finally [execute_command]')
    }
  })

  it('numbers repaired calls after real ones, and moves later real calls past them', () => {
    const w = watch()
    const events: Ev[] = [
      START,
      { type: 'tool_call_start', index: 0, id: 'real_a', name: 'get_time' },
      { type: 'tool_call_end', index: 0 },
      text('<tool_call>{"name": "read_file", "arguments": {"path": "x"}}</tool_call>'),
      { type: 'tool_call_start', index: 1, id: 'real_b', name: 'get_time' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', reason: 'tool_calls' },
    ]
    const out = runWatch(w, events)
    expect(out[1]).toBe(events[1])
    expect(out[2]).toBe(events[2])
    const starts = out.filter((e) => e.type === 'tool_call_start')
    expect(starts.map((e) => [e.index, e.id])).toEqual([
      [0, 'real_a'],
      [1, expect.stringMatching(/^call_/)],
      [2, 'real_b'],
    ])
    expect(out.filter((e) => e.type === 'tool_call_delta').map((e) => e.index)).toEqual([1, 2])
    expect(out.filter((e) => e.type === 'tool_call_end').map((e) => e.index)).toEqual([0, 1, 2])
    expect(out.at(-1)).toBe(events.at(-1))
  })

  it('passes usage and thinking in order and never holds finish', () => {
    const w = watch()
    const think: Ev = { type: 'thinking_delta', text: 'hmm' }
    const usage: Ev = { type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } }
    const out = runWatch(w, [START, think, text('x {'), usage, finish()])
    expect(out[1]).toBe(think)
    expect(out).toContain(usage)
    expect(out.filter((e) => e.type === 'text_delta').map((e) => (e as { text: string }).text).join('')).toBe('x {')
    expect(out.at(-1)).toEqual(finish())
  })

  it('reads a call the answer ended inside of when it stopped naturally, not when it was cut by max tokens', () => {
    const answer = '<tool_call>{"name": "read_file", "arguments": {"path": "a.ts"}'
    const stopped = run(chunks(answer, 6), 'stop')
    expect(stopped.calls.map((c) => [c.name, args(c)])).toEqual([['read_file', { path: 'a.ts' }]])
    expect(stopped.reason).toBe('tool_calls')
    const cut = run(chunks(answer, 6), 'length')
    expect(cut.calls).toEqual([])
    expect(cut.text).toBe(answer)
    expect(cut.reason).toBe('length')
  })

  it('a stream cut without finish gives back what it held, unchanged', () => {
    const w = watch()
    const a = text('ok <tool_call>{"name": "read_file"')
    const out = runWatch(w, [START, a])
    expect(out).toEqual([START, a])
    expect(out[1]).toBe(a)
  })

  it('an error event: held text goes first, unchanged, then the error', () => {
    const w = watch()
    const a = text('<tool_call>{"name": "read_file"')
    const err = { type: 'error', error: new Error('boom') } as unknown as Ev
    const out = runWatch(w, [START, a, err])
    expect(out).toEqual([START, a, err])
  })

  it('holds at most HOLD_LIMIT characters of one candidate, then lets them go as they came', () => {
    const w = watch()
    const got: Ev[] = []
    const emit = { enqueue: (e: Ev) => void got.push(e) }
    const head = text('<tool_call>{"name": "read_file", "arguments": {"path": "')
    w.event(head, emit)
    const filler = 'x'.repeat(1024)
    const sent: Ev[] = [head]
    for (let i = 0; i * 1024 <= HOLD_LIMIT; i++) {
      const e = text(filler)
      sent.push(e)
      w.event(e, emit)
    }
    expect(got).toEqual(sent)
    got.forEach((e, i) => expect(e).toBe(sent[i]))
    const next = text('more')
    w.event(next, emit)
    expect(got.at(-1)).toBe(next)
  })

  it('goes on looking for calls after a long prose candidate was given up', () => {
    const r = run(['{"name": "read_file", "arguments": {"path": "' + 'y'.repeat(HOLD_LIMIT + 10), '\n\n', '<tool_call>' + READ + '</tool_call>'])
    expect(r.calls.map((c) => c.name)).toEqual(['read_file'])
    expect(r.text.startsWith('{"name": "read_file"')).toBe(true)
  })

  it('a finish with a stop sequence becomes tool_calls without it', () => {
    const out = runWatch(watch(), [START, text(READ), { type: 'finish', reason: 'stop', stopSequence: '###' }])
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' })
  })
})

describe('tool-repair: finished answers', () => {
  it('a finished answer goes through the same watch as its events', () => {
    const w = watch({ stream: false }, { stream: false })
    const events = responseToEvents({
      id: 'r',
      model: 'm',
      content: [
        { type: 'thinking', text: 'plan' },
        { type: 'text', text: 'Reading.\n<read_file>\n<path>a.md</path>\n</read_file>' },
      ],
      finishReason: 'stop',
      usage: { inputTokens: 3, outputTokens: 4 },
    })
    const out = runWatch(w, events)
    const s = summary(out)
    expect(s.calls.map((c) => [c.index, c.name, args(c)])).toEqual([[0, 'read_file', { path: 'a.md' }]])
    expect(s.text).toBe('Reading.\n')
    expect(s.reason).toBe('tool_calls')
    expect(out[1]).toBe(events[1])
  })

  it('a finished answer that is prose comes back as the same events', () => {
    const events = responseToEvents({ id: 'r', model: 'm', content: [{ type: 'text', text: 'Nothing to call, see <b>this</b> and {x}.' }], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } })
    const out = runWatch(watch(), events)
    expect(out).toHaveLength(events.length)
    out.forEach((e, i) => expect(e).toBe(events[i]))
  })
})
