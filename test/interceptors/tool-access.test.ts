import { describe, expect, it } from 'vitest'
import type { HubStreamEvent } from '../../src/hub/stream'
import { toolAccess } from '../../src/interceptors/tool-access'
import { answerTurn, fakeRuntime, hubRequest, requestTurn, runWatch } from './turns'

const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } })
const chatBody = (names: string[], extra: Record<string, unknown> = {}) => ({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }], tools: names.map(fn), ...extra })

describe('tool access: the request', () => {
  it('does nothing without globs, or without tools', () => {
    const t = requestTurn('openai-chat', chatBody(['Bash']))
    toolAccess.request!(t)
    expect(t.wasChanged).toBe(false)
    const { rt } = fakeRuntime({ TOOLS_DENY: 'Bash' })
    const u = requestTurn('openai-chat', { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { rt })
    let decoded = false
    const hub = u.hub
    u.hub = () => ((decoded = true), hub())
    toolAccess.request!(u)
    expect(decoded).toBe(false)
  })

  it('removes tools matching TOOLS_DENY', () => {
    const { rt } = fakeRuntime({ TOOLS_DENY: 'Bash, mcp__github__*' })
    const t = requestTurn('openai-chat', chatBody(['Bash', 'Read', 'mcp__github__create_issue', 'mcp__gitlab__x']), { rt })
    toolAccess.request!(t)
    expect(t.wasChanged).toBe(true)
    expect(t.hub().tools!.map((x) => x.name)).toEqual(['Read', 'mcp__gitlab__x'])
  })

  it('keeps only tools matching TOOLS_ALLOW, and a deny glob still wins', () => {
    const { rt } = fakeRuntime({ TOOLS_ALLOW: 'Read,Grep*,Web*', TOOLS_DENY: 'WebFetch' })
    const t = requestTurn('openai-chat', chatBody(['Bash', 'Read', 'GrepTool', 'WebFetch', 'WebSearch']), { rt })
    toolAccess.request!(t)
    expect(t.hub().tools!.map((x) => x.name)).toEqual(['Read', 'GrepTool', 'WebSearch'])
  })

  it("uses the client's own lists over the global ones", () => {
    const { rt } = fakeRuntime({ TOOLS_DENY: 'Read' })
    const t = requestTurn('openai-chat', chatBody(['Bash', 'Read']), { rt, client: { name: 'ci', limits: {}, tools: { deny: ['Bash'] } } as never })
    toolAccess.request!(t)
    expect(t.hub().tools!.map((x) => x.name)).toEqual(['Read'])
  })

  it('drops a tool choice that names a removed tool, and tools / choice / parallel calls when none is left', () => {
    const { rt } = fakeRuntime({ TOOLS_DENY: 'Bash' })
    const t = requestTurn('openai-chat', chatBody(['Bash', 'Read'], { tool_choice: { type: 'function', function: { name: 'Bash' } } }), { rt })
    toolAccess.request!(t)
    expect(t.hub().toolChoice).toBeUndefined()
    const u = requestTurn('openai-chat', chatBody(['Bash'], { tool_choice: 'required', parallel_tool_calls: true }), { rt })
    toolAccess.request!(u)
    expect(u.hub().tools).toBeUndefined()
    expect(u.hub().toolChoice).toBeUndefined()
    expect(u.hub().parallelToolCalls).toBeUndefined()
  })

  it('works on every front end (Anthropic and Gemini bodies here)', () => {
    const { rt } = fakeRuntime({ TOOLS_DENY: 'Bash' })
    const a = requestTurn('anthropic', { model: 'c', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'Bash', input_schema: { type: 'object' } }, { name: 'Read', input_schema: { type: 'object' } }] }, { rt })
    toolAccess.request!(a)
    expect(a.hub().tools!.map((x) => x.name)).toEqual(['Read'])
    const g = requestTurn('gemini', { model: 'gemini-2.5-pro', contents: [{ role: 'user', parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: [{ name: 'Bash' }, { name: 'Read' }] }] }, { rt })
    toolAccess.request!(g)
    expect(g.hub().tools!.map((x) => x.name)).toEqual(['Read'])
  })
})

describe('tool access: the answer', () => {
  const events = (name: string, index = 0): HubStreamEvent[] => [
    { type: 'tool_call_start', index, id: `c${index}`, name },
    { type: 'tool_call_delta', index, argumentsDelta: '{}' },
    { type: 'tool_call_end', index },
  ]
  it('has no watch without globs or without declared tools', () => {
    expect(toolAccess.answer!(answerTurn(hubRequest({ tools: [{ name: 'Read', parameters: {} }] })))).toBeUndefined()
    expect(toolAccess.answer!(answerTurn(hubRequest(), { rt: fakeRuntime({ TOOLS_DENY: 'Bash' }).rt }))).toBeUndefined() // no tools declared
  })
  it('blocks a call to a denied tool like a dangerous command, delivers the others', () => {
    const { rt, logs } = fakeRuntime({ TOOLS_DENY: 'Bash' })
    const w = toolAccess.answer!(answerTurn(hubRequest({ tools: [{ name: 'Read', parameters: {} }] }), { rt }))!
    const out = runWatch(w, [{ type: 'start', id: 'x', model: 'm' }, ...events('Bash'), ...events('Read', 1), { type: 'finish', reason: 'tool_calls' }])
    expect(out.filter((e) => e.type === 'tool_call_start').map((e) => [(e as { index: number }).index, (e as { name: string }).name])).toEqual([[0, 'Read']])
    const text = out.find((e) => e.type === 'text_delta') as { text: string }
    expect(text.text).toContain('[gateway] Blocked: the call to the tool `Bash` was not delivered')
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' })
    expect(logs.some((l) => l.includes('tool-access: blocked a call to Bash'))).toBe(true)
  })
  it('turns the finish into stop when the only call was denied', () => {
    const { rt } = fakeRuntime({ TOOLS_ALLOW: 'Read' })
    const w = toolAccess.answer!(answerTurn(hubRequest({ tools: [{ name: 'Read', parameters: {} }] }), { rt }))!
    const out = runWatch(w, [{ type: 'start', id: 'x', model: 'm' }, ...events('Bash'), { type: 'finish', reason: 'tool_calls' }])
    expect(out.map((e) => e.type)).toEqual(['start', 'text_delta', 'finish'])
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'stop' })
  })
})
