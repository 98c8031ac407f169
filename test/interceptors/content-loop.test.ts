import { describe, expect, it } from 'vitest'
import { responseToEvents } from '../../src/hub/response-events'
import type { HubStreamEvent } from '../../src/hub/stream'
import { contentLoop, LOOP_NOTE } from '../../src/interceptors/content-loop'
import { CHUNK, LoopDetector, REPEATS } from '../../src/interceptors/content-loop/loop-detector'
import { answerTurn, fakeRuntime, fakeSession, hubRequest, runWatch } from './turns'

/** 100 characters, no newline: one period of a loop. */
const U = 'I will now check the configuration again to make sure that every value is right before I go on now. '
const usage = { inputTokens: 10, outputTokens: 99 }
const on = () => fakeRuntime({ LOOP_DETECTION: 'on' }).rt

/** Text as deltas of `size` characters. */
const deltas = (text: string, size: number): HubStreamEvent[] => {
  const out: HubStreamEvent[] = []
  for (let i = 0; i < text.length; i += size) out.push({ type: 'text_delta', text: text.slice(i, i + size) })
  return out
}
const stream = (body: HubStreamEvent[]): HubStreamEvent[] => [
  { type: 'start', id: 'r1', model: 'm' },
  ...body,
  { type: 'usage', usage },
  { type: 'finish', reason: 'stop', usage },
]
const textOf = (events: HubStreamEvent[]) => events.map((e) => (e.type === 'text_delta' ? e.text : '')).join('')

function watch(o: { stream?: boolean; session?: ReturnType<typeof fakeSession> } = {}) {
  const turn = answerTurn(hubRequest(), { rt: on(), stream: o.stream ?? true, session: o.session })
  const w = contentLoop.answer!(turn)
  if (!w) throw new Error('expected a watch')
  return { w, turn }
}

describe('LoopDetector', () => {
  it(`cuts exactly when the same ${CHUNK} characters have been seen ${REPEATS} times`, () => {
    expect(U.length).toBe(100)
    const d = new LoopDetector()
    const before = U.repeat(REPEATS - 1) + U.slice(0, CHUNK - 1)
    expect(d.push(before)).toBe(-1)
    expect(d.push(U.slice(CHUNK - 1))).toBe(1) // the 80th character of the 6th occurrence
    const whole = new LoopDetector()
    expect(whole.push(U.repeat(10))).toBe((REPEATS - 1) * U.length + CHUNK)
  })

  it('a pattern split across deltas of any size is found at the same place', () => {
    const text = U.repeat(10)
    for (const size of [1, 3, 7, 79, 80, 81, 250]) {
      const d = new LoopDetector()
      let offset = 0
      let found = -1
      for (let i = 0; i < text.length && found === -1; i += size) {
        const at = d.push(text.slice(i, i + size))
        if (at !== -1) found = offset + at
        offset += Math.min(size, text.length - i)
      }
      expect(found, `size ${size}`).toBe(5 * U.length + CHUNK)
    }
  })

  it('short periods and a run of one character loop too (no overlapping occurrences are counted)', () => {
    expect(new LoopDetector().push('ab'.repeat(400))).toBeGreaterThan(0)
    const run = new LoopDetector()
    expect(run.push('x' + '='.repeat(CHUNK * REPEATS - 1))).toBe(-1)
    expect(run.push('=')).toBe(1)
  })

  it('repeats far apart are not a loop', () => {
    const filler = (i: number) => `Paragraph ${i}: ` + Array.from({ length: 70 }, (_, k) => `w${i}x${k}`).join(' ') + '\n'
    let text = ''
    for (let i = 0; i < 8; i++) text += U + filler(i)
    expect(new LoopDetector().push(text)).toBe(-1)
  })

  it('lines sharing a long prefix but ending differently are not a loop', () => {
    let text = ''
    for (let i = 0; i < 20; i++) text += `The following configuration value was checked carefully against the documented default: item ${i}\n`
    expect(new LoopDetector().push(text)).toBe(-1)
  })

  it('Markdown lists, numbered lists, tables, headings, quotes and code fences are not loops', () => {
    const line = 'Run the whole test suite again and check that every single case passes without warnings'
    const cases = {
      bullets: `- ${line}\n`.repeat(20),
      stars: `* ${line}\n`.repeat(20),
      nested: `  - ${line}\n`.repeat(20),
      numbered: Array.from({ length: 20 }, (_, i) => `${i + 1}. ${line}\n`).join(''),
      table: '| name | value | notes |\n|------|-------|-------|\n' + `| ${line} | 1 | ok |\n`.repeat(20),
      headings: `## ${line}\n\nSome text.\n\n`.repeat(20),
      quotes: `> ${line}\n`.repeat(20),
      code: '```python\n' + `    print("${line}")\n`.repeat(30) + '```\n',
      tildes: '~~~\n' + `${line}\n`.repeat(30) + '~~~\n',
    }
    for (const [name, text] of Object.entries(cases)) {
      expect(new LoopDetector().push(text), name).toBe(-1)
      // and the same split into small deltas (a marker split from its line)
      const d = new LoopDetector()
      for (let i = 0; i < text.length; i += 3) expect(d.push(text.slice(i, i + 3)), `${name} in deltas`).toBe(-1)
    }
  })

  it('after a code block closes, a loop in prose is found again', () => {
    const d = new LoopDetector()
    expect(d.push('```\n' + U.repeat(10) + '\n```\n')).toBe(-1)
    expect(d.push(U.repeat(10))).toBe(5 * U.length + CHUNK)
  })

  it('a loop of plain lines (no Markdown) is found', () => {
    const line = 'Let me try running the failing test once more to see the full output.\n'
    expect(new LoopDetector().push(line.repeat(20))).toBeGreaterThan(0)
  })
})

describe('content-loop watch', () => {
  it('is off by default, on with LOOP_DETECTION or the session switch', () => {
    expect(contentLoop.answer!(answerTurn(hubRequest()))).toBeUndefined()
    expect(contentLoop.answer!(answerTurn(hubRequest(), { rt: on() }))).toBeDefined()
    const session = fakeSession({ settings: { 'loop-detection': true } })
    expect(contentLoop.answer!(answerTurn(hubRequest(), { session }))).toBeDefined()
    const off = fakeSession({ settings: { 'loop-detection': false } })
    expect(contentLoop.answer!(answerTurn(hubRequest(), { rt: on(), session: off }))).toBeUndefined()
  })

  it('a real loop in a stream: events pass as the same objects, then the cut text, the note and a finish with usage', () => {
    const session = fakeSession()
    const { w, turn } = watch({ session })
    const input = stream([{ type: 'usage', usage: { inputTokens: 10, outputTokens: 3 } }, ...deltas(U.repeat(30), 30)])
    const out = runWatch(w, input)
    const cutAt = 5 * U.length + CHUNK
    expect(textOf(out)).toBe(U.repeat(30).slice(0, cutAt) + LOOP_NOTE)
    // everything before the cut is the upstream's own objects
    const passed = out.findIndex((e, i) => e !== input[i])
    expect(passed).toBe(2 + Math.floor(cutAt / 30))
    expect(out.at(-2)).toEqual({ type: 'text_delta', text: LOOP_NOTE })
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'stop', usage: { inputTokens: 10, outputTokens: 3 } })
    expect(out.filter((e) => e.type === 'finish')).toHaveLength(1)
    expect(session.data['content-loop']).toEqual({ cuts: 1 })
    expect(session.touched).toBe(1)
    expect(turn.warnings[0]).toContain('repeated itself')
  })

  it('a cut that falls on the end of a delta passes that delta itself', () => {
    const { w } = watch()
    const input = stream(deltas(U.repeat(10), 20)) // 580 = 29 × 20
    const out = runWatch(w, input)
    expect(out[29]).toBe(input[29])
    expect(out[30]).toEqual({ type: 'text_delta', text: LOOP_NOTE })
  })

  it('no loop: every event passes as the same object, and nothing is added', () => {
    const { w } = watch()
    const input = stream([
      ...deltas('Here is the plan:\n\n' + Array.from({ length: 30 }, (_, i) => `- step ${i}: ${U}\n`).join(''), 17),
      { type: 'tool_call_start', index: 0, id: 'c1', name: 'bash' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"command":"ls"}' },
      { type: 'tool_call_end', index: 0 },
    ])
    const out = runWatch(w, input)
    expect(out).toHaveLength(input.length)
    out.forEach((e, i) => expect(e).toBe(input[i]))
  })

  it('a tool call in between starts afresh', () => {
    const { w } = watch()
    const half = U.repeat(4)
    const out = runWatch(w, stream([
      { type: 'text_delta', text: half },
      { type: 'tool_call_start', index: 0, id: 'c1', name: 'f' },
      { type: 'tool_call_end', index: 0 },
      { type: 'text_delta', text: half },
    ]))
    expect(textOf(out)).toBe(half + half)
  })

  it('a loop in thinking is cut too (the cut thinking delta has no signature)', () => {
    const { w } = watch()
    const out = runWatch(w, stream([{ type: 'thinking_delta', text: U.repeat(10), signature: 'sig', format: 'anthropic-claude-v1' }]))
    expect(out[1]).toEqual({ type: 'thinking_delta', text: U.repeat(10).slice(0, 580), format: 'anthropic-claude-v1' })
    expect(out.slice(2)).toEqual([{ type: 'text_delta', text: LOOP_NOTE }, { type: 'finish', reason: 'stop' }])
  })

  it('thinking then text: each run is watched on its own', () => {
    const { w } = watch()
    const out = runWatch(w, stream([{ type: 'thinking_delta', text: U.repeat(4) }, { type: 'text_delta', text: U.repeat(4) }]))
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'stop', usage })
    expect(textOf(out)).toBe(U.repeat(4))
  })

  it('a finished (non-streaming) answer: cut text, the note, and a finish with the response usage', () => {
    const { w } = watch({ stream: false })
    const events = responseToEvents({
      id: 'r1',
      model: 'm',
      content: [
        { type: 'text', text: U.repeat(40) },
        { type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' },
      ],
      finishReason: 'tool_calls',
      usage,
    })
    const out = runWatch(w, events)
    expect(out.map((e) => e.type)).toEqual(['start', 'text_delta', 'text_delta', 'finish'])
    expect(textOf(out)).toBe(U.repeat(40).slice(0, 580) + LOOP_NOTE)
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'stop', usage })
  })

  it('a stream cut off after the loop was found in a finished answer still finishes (end)', () => {
    const { w } = watch({ stream: false })
    const out = runWatch(w, [{ type: 'start', id: 'r', model: 'm' }, { type: 'text_delta', text: U.repeat(10) }])
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'stop' })
  })
})
