import { describe, expect, it } from 'vitest'
import { responseToEvents } from '../../src/hub/response-events'
import type { HubStreamEvent } from '../../src/hub/stream'
import { partialTagStart, thinkTags } from '../../src/interceptors/think-tags'
import type { AnswerWatch } from '../../src/interceptors/types'
import { answerTurn, fakeRuntime, fakeSession, hubRequest, runWatch } from './turns'

type Ev = HubStreamEvent
const text = (t: string): Ev => ({ type: 'text_delta', text: t })
const START: Ev = { type: 'start', id: 'r1', model: 'm' }
const FINISH: Ev = { type: 'finish', reason: 'stop' }
const on = fakeSession({ settings: { 'fix-think-tags': true } })
const watch = (): AnswerWatch => thinkTags.answer!(answerTurn(hubRequest(), { session: on }))!

function chunks(s: string, n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n))
  return out
}
function split(out: Ev[]) {
  let thinking = ''
  let answer = ''
  for (const e of out) {
    if (e.type === 'thinking_delta') thinking += e.text
    if (e.type === 'text_delta') answer += e.text
  }
  return { thinking, answer }
}

describe('think-tags', () => {
  it('is off by default; FIX_THINK_TAGS or the session switch turns it on', () => {
    expect(thinkTags.answer!(answerTurn(hubRequest()))).toBeUndefined()
    expect(thinkTags.answer!(answerTurn(hubRequest(), { session: on }))).toBeDefined()
    expect(thinkTags.answer!(answerTurn(hubRequest(), { rt: fakeRuntime({ FIX_THINK_TAGS: 'on' }).rt }))).toBeDefined()
  })

  it('partialTagStart finds only a suffix that could begin the tag', () => {
    expect(partialTagStart('abc <thi', '<think>', 0)).toBe(4)
    expect(partialTagStart('abc <', '<think>', 0)).toBe(4)
    expect(partialTagStart('abc <b', '<think>', 0)).toBe(-1)
    expect(partialTagStart('abc', '<think>', 0)).toBe(-1)
    expect(partialTagStart('x </thin', '</think>', 0)).toBe(2)
  })

  const answer = '<think>\nThe user wants a < b, so…\n</think>\n\nThe answer is 42 <b>bold</b>.'
  for (const n of [1, 2, 3, 4, 7, 1000]) {
    it(`moves the tagged part into thinking, in chunks of ${n}`, () => {
      const out = runWatch(watch(), [START, ...chunks(answer, n).map(text), FINISH])
      expect(split(out)).toEqual({ thinking: 'The user wants a < b, so…\n', answer: 'The answer is 42 <b>bold</b>.' })
      const firstText = out.findIndex((e) => e.type === 'text_delta')
      const lastThinking = out.findLastIndex((e) => e.type === 'thinking_delta')
      expect(lastThinking).toBeLessThan(firstText)
      expect(out.at(-1)).toBe(FINISH)
    })
  }

  it('passes text without "<" as the same event, and holds only a possible tag start', () => {
    const w = watch()
    const got: Ev[] = []
    const emit = { enqueue: (e: Ev) => void got.push(e) }
    const a = text('plain answer ')
    w.event(a, emit)
    expect(got[0]).toBe(a)
    w.event(text('then <th'), emit)
    expect(got.map((e) => (e as { text: string }).text)).toEqual(['plain answer ', 'then '])
    w.event(text('ink>hidden</think>shown'), emit)
    expect(split(got)).toEqual({ thinking: 'hidden', answer: 'plain answer then shown' })
  })

  it('a "<" that starts no tag is released with the next chunk, unchanged', () => {
    const out = runWatch(watch(), [START, text('if x <'), text(' y'), FINISH])
    expect(split(out).answer).toBe('if x < y')
    expect(split(out).thinking).toBe('')
  })

  it('several think blocks, and an unclosed one at the end', () => {
    const out = runWatch(watch(), [START, ...chunks('<think>a</think>one<think>b</think>two<think>c', 3).map(text), FINISH])
    expect(split(out)).toEqual({ thinking: 'abc', answer: 'onetwo' })
  })

  it('flushes a held partial tag before other events and at a cut', () => {
    const w = watch()
    const call: Ev = { type: 'tool_call_start', index: 0, id: 'c', name: 't' }
    const out = runWatch(w, [START, text('x <thi'), call])
    expect(out.map((e) => e.type)).toEqual(['start', 'text_delta', 'text_delta', 'tool_call_start'])
    expect(split(out).answer).toBe('x <thi')
  })

  it('a finished answer goes through the same watch', () => {
    const events = responseToEvents({ id: 'r', model: 'm', content: [{ type: 'text', text: '<think>why</think>because' }], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } })
    const out = runWatch(thinkTags.answer!(answerTurn(hubRequest({ stream: false }), { session: on, stream: false }))!, events)
    expect(split(out)).toEqual({ thinking: 'why', answer: 'because' })
  })
})
