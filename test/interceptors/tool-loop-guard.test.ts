import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../src/hub/errors'
import { STEER_AT, STOP_AT, toolLoopGuard } from '../../src/interceptors/tool-loop-guard'
import { fakeRuntime, fakeSession, requestTurn } from './turns'

/** A Chat Completions history: the user's ask, then one assistant call + tool result per turn. */
function chatHistory(turns: Array<{ args: string; result: string }>, tail: unknown[] = []) {
  const messages: unknown[] = [{ role: 'user', content: 'fix the build' }]
  turns.forEach((t, i) => {
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'Bash', arguments: t.args } }] })
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: t.result })
  })
  return { model: 'gpt-4.1', messages: [...messages, ...tail], tools: [{ type: 'function', function: { name: 'Bash', parameters: { type: 'object' } } }] }
}
const same = { args: '{"command":"npm test"}', result: 'FAIL 3 tests' }

describe('tool-loop guard', () => {
  it('counts identical call + result turns; steers at 7, refuses the 8th with a 409', () => {
    const session = fakeSession()
    const { rt } = fakeRuntime()
    const turns: Array<typeof same> = []
    for (let n = 1; n < STEER_AT; n++) {
      // Argument key order and spacing do not make a call different.
      turns.push(n % 2 ? same : { args: '{ "command" : "npm test" }', result: same.result })
      const t = requestTurn('openai-chat', chatHistory(turns), { rt, session })
      toolLoopGuard.request!(t)
      expect(t.wasChanged, `turn ${n}`).toBe(false)
      expect(session.data['tool-loop-guard']).toMatchObject({ count: n })
    }
    turns.push(same)
    const steer = requestTurn('openai-chat', chatHistory(turns), { rt, session })
    toolLoopGuard.request!(steer)
    expect(steer.wasChanged).toBe(true)
    const last = steer.hub().messages.at(-1)!
    expect(last.content.map((p) => p.type)).toEqual(['tool_result', 'text'])
    expect((last.content[1] as { text: string }).text).toContain(`same tool call (Bash with the same arguments) ${STEER_AT} times in a row`)
    turns.push(same)
    const stop = requestTurn('openai-chat', chatHistory(turns), { rt, session })
    let err: unknown
    try {
      toolLoopGuard.request!(stop)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(GatewayError)
    expect((err as GatewayError).status).toBe(409)
    expect((err as GatewayError).message).toContain(`${STOP_AT} times in a row`)
  })

  it('starts over when the call or its result changes', () => {
    const session = fakeSession()
    const turns = Array.from({ length: 5 }, () => same)
    for (let i = 1; i <= turns.length; i++) toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns.slice(0, i)), { session }))
    expect(session.data['tool-loop-guard']).toMatchObject({ count: 5 })
    turns.push({ args: same.args, result: 'FAIL 2 tests' })
    toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns), { session }))
    expect(session.data['tool-loop-guard']).toMatchObject({ count: 1 })
    turns.push({ args: '{"command":"npm test -- --bail"}', result: 'FAIL 2 tests' })
    toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns), { session }))
    expect(session.data['tool-loop-guard']).toMatchObject({ count: 1 })
  })

  it('does not count a history sent again (a retry): same decision each time', () => {
    const session = fakeSession()
    const turns = Array.from({ length: STEER_AT }, () => same)
    for (let i = 1; i <= STEER_AT; i++) toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns.slice(0, i)), { session }))
    for (let retry = 0; retry < 3; retry++) {
      const t = requestTurn('openai-chat', chatHistory(turns), { session })
      toolLoopGuard.request!(t)
      expect(t.wasChanged).toBe(true) // steered again, never refused
      expect(session.data['tool-loop-guard']).toMatchObject({ count: STEER_AT })
    }
  })

  it('after the 409, a message from the user on the same turn lets the conversation go on', () => {
    const session = fakeSession()
    const turns = Array.from({ length: STOP_AT }, () => same)
    for (let i = 1; i < STOP_AT; i++) toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns.slice(0, i)), { session }))
    expect(() => toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns), { session }))).toThrow(GatewayError)
    expect(() => toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns), { session }))).toThrow(GatewayError)
    const t = requestTurn('openai-chat', chatHistory(turns, [{ role: 'user', content: 'try reading the error first' }]), { session })
    expect(() => toolLoopGuard.request!(t)).not.toThrow()
    expect(t.wasChanged).toBe(false)
  })

  it('lets the user go on after a 409 even though the refused request saved nothing (a thrown request is not saved)', () => {
    const session = fakeSession()
    const turns = Array.from({ length: STOP_AT }, () => same)
    for (let i = 1; i < STOP_AT; i++) toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns.slice(0, i)), { session }))
    const saved = structuredClone(session.data)
    expect(() => toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns), { session }))).toThrow(GatewayError)
    session.data = structuredClone(saved) // what the store still holds
    expect(() => toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns), { session }))).toThrow(GatewayError)
    session.data = structuredClone(saved)
    const t = requestTurn('openai-chat', chatHistory(turns, [{ role: 'user', content: 'look at the failing test first' }]), { session })
    expect(() => toolLoopGuard.request!(t)).not.toThrow()
    expect(session.data['tool-loop-guard']).toMatchObject({ count: 0 })
  })

  it("does not take Claude Code's system reminders beside the results for the user", () => {
    const session = fakeSession()
    const body = (n: number) => ({
      model: 'claude',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'go' },
        ...Array.from({ length: n }, (_, i) => [
          { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: 'npm test' } }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: `toolu_${i}`, content: 'FAIL' },
              { type: 'text', text: '<system-reminder>\nThe TodoWrite tool has not been used recently.\n</system-reminder>' },
            ],
          },
        ]).flat(),
      ],
    })
    for (let n = 1; n < STEER_AT; n++) toolLoopGuard.request!(requestTurn('anthropic', body(n), { session }))
    expect(session.data['tool-loop-guard']).toMatchObject({ count: STEER_AT - 1 })
    const t = requestTurn('anthropic', body(STEER_AT), { session })
    toolLoopGuard.request!(t)
    expect(t.wasChanged).toBe(true)
  })

  it('reads Anthropic histories (tool_use / tool_result) the same way', () => {
    const session = fakeSession()
    const body = (n: number) => ({
      model: 'claude',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'go' },
        ...Array.from({ length: n }, (_, i) => [
          { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { file_path: 'a.ts' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: 'same text' }] },
        ]).flat(),
      ],
    })
    for (let n = 1; n < STEER_AT; n++) toolLoopGuard.request!(requestTurn('anthropic', body(n), { session }))
    const t = requestTurn('anthropic', body(STEER_AT), { session })
    toolLoopGuard.request!(t)
    expect(t.wasChanged).toBe(true)
    expect(() => toolLoopGuard.request!(requestTurn('anthropic', body(STOP_AT), { session }))).toThrow(/tool-call loop/)
  })

  it('is cheap and silent without tool results, and off when switched off', () => {
    const session = fakeSession()
    const t = requestTurn('openai-chat', { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { session })
    let decoded = false
    const hub = t.hub
    t.hub = () => ((decoded = true), hub())
    toolLoopGuard.request!(t)
    expect(decoded).toBe(false)
    const r = requestTurn('openai-responses', { model: 'm', input: 'hi', max_output_tokens: 100 }, { session })
    const rHub = r.hub
    r.hub = () => ((decoded = true), rHub())
    toolLoopGuard.request!(r)
    expect(decoded).toBe(false)
    const off = fakeSession({ settings: { 'tool-loop-guard': false } })
    const turns = Array.from({ length: STOP_AT }, () => same)
    for (let i = 1; i <= STOP_AT; i++) toolLoopGuard.request!(requestTurn('openai-chat', chatHistory(turns.slice(0, i)), { session: off }))
    expect(off.data['tool-loop-guard']).toBeUndefined()
  })
})
