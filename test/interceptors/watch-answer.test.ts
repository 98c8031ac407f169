import { describe, expect, it } from 'vitest'
import type { HubResponse } from '../../src/hub/response'
import type { HubStreamEvent } from '../../src/hub/stream'
import type { AnswerWatch, Interceptor } from '../../src/interceptors/types'
import { watchAnswer, watchResponse } from '../../src/interceptors/watch-answer'
import { answerTurn, hubRequest } from './turns'

const named = (name: string, watch?: () => AnswerWatch): Interceptor => ({ name, does: name, answer: watch ? () => watch() : undefined })

/** Appends its name to every text. */
const tag = (name: string) => named(name, () => ({ event: (e, out) => out.enqueue(e.type === 'text_delta' ? { ...e, text: `${e.text}<${name}>` } : e) }))

const res: HubResponse = { id: 'r', model: 'm', content: [{ type: 'text', text: 'hi' }], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } }

function drive(list: Interceptor[], events: HubStreamEvent[]) {
  let done = 0
  const pipe = watchAnswer(list, answerTurn(hubRequest()), () => done++)!
  const out: HubStreamEvent[] = []
  const emit = { enqueue: (e: HubStreamEvent) => void out.push(e) }
  for (const e of events) pipe.transform(e, emit)
  pipe.flush?.(emit)
  return { out, done, cut: pipe.cutShort() }
}

describe('watchAnswer', () => {
  it('is undefined when no interceptor watches: the answer goes as before', () => {
    expect(watchAnswer([named('a'), named('b')], answerTurn(hubRequest()))).toBeUndefined()
  })

  it('answers come back up the list: the last watch sees the upstream first', () => {
    const { out } = drive([tag('client-side'), tag('upstream-side')], [{ type: 'text_delta', text: 'x' }, { type: 'finish', reason: 'stop' }])
    expect(out[0]).toEqual({ type: 'text_delta', text: 'x<upstream-side><client-side>' })
  })

  it('a watch that finishes early ends the answer: nothing more goes out, done runs once, cutShort says so', () => {
    const stopper = named('stop', () => ({ event: (e, out) => (e.type === 'text_delta' ? (out.enqueue(e), out.enqueue({ type: 'finish', reason: 'stop' })) : out.enqueue(e)) }))
    const { out, done, cut } = drive([stopper], [
      { type: 'text_delta', text: 'a' },
      { type: 'text_delta', text: 'b' },
      { type: 'finish', reason: 'length' },
    ])
    expect(out.map((e) => e.type)).toEqual(['text_delta', 'finish'])
    expect(out[1]).toMatchObject({ reason: 'stop' })
    expect(done).toBe(1)
    expect(cut).toBe(true)
  })

  it('the upstream finish passing through is not a cut', () => {
    const { cut, done } = drive([named('pass', () => ({ event: (e, out) => out.enqueue(e) }))], [{ type: 'finish', reason: 'stop' }])
    expect(cut).toBe(false)
    expect(done).toBe(1)
  })

  it('a stream cut without finish lets each watch release what it holds (end)', () => {
    const holder = named('hold', () => {
      const held: HubStreamEvent[] = []
      return { event: (e) => void held.push(e), end: (out) => held.forEach((e) => out.enqueue(e)) }
    })
    const { out } = drive([holder], [{ type: 'text_delta', text: 'a' }])
    expect(out).toEqual([{ type: 'text_delta', text: 'a' }])
  })
})

describe('watchResponse', () => {
  it('is undefined when every event came out unchanged', () => {
    const pipe = watchAnswer([named('pass', () => ({ event: (e, out) => out.enqueue(e) }))], answerTurn(hubRequest()))!
    expect(watchResponse(pipe, res)).toBeUndefined()
  })

  it('rebuilds the answer from what came out when a watch changed it', () => {
    const pipe = watchAnswer([tag('t')], answerTurn(hubRequest()))!
    expect(watchResponse(pipe, res)).toMatchObject({ content: [{ type: 'text', text: 'hi<t>' }], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } })
  })
})
