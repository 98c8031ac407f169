import { describe, expect, it } from 'vitest'
import { responseToEvents } from '../../src/hub/response-events'
import type { HubStreamEvent } from '../../src/hub/stream'
import { jsonRepair, repairJsonText } from '../../src/interceptors/json-repair'
import type { AnswerWatch } from '../../src/interceptors/types'
import { PROTOCOLS } from '../../src/protocols'
import { answerTurn, fakeSession, hubRequest, runWatch } from './turns'

type Ev = HubStreamEvent
const text = (t: string): Ev => ({ type: 'text_delta', text: t })
const START: Ev = { type: 'start', id: 'r1', model: 'm' }
const FINISH: Ev = { type: 'finish', reason: 'stop' }
const JSON_MODE = { responseFormat: { type: 'json_object' as const } }

function watch(): { w: AnswerWatch; warnings: string[] } {
  const turn = answerTurn(hubRequest(JSON_MODE))
  return { w: jsonRepair.answer!(turn)!, warnings: turn.warnings }
}
const textOf = (out: Ev[]) => out.flatMap((e) => (e.type === 'text_delta' ? [e.text] : [])).join('')

describe('json-repair: when it watches', () => {
  it('only when the client asked for JSON and the switch is on', () => {
    expect(jsonRepair.answer!(answerTurn(hubRequest()))).toBeUndefined()
    expect(jsonRepair.answer!(answerTurn(hubRequest({ responseFormat: { type: 'text' } })))).toBeUndefined()
    expect(jsonRepair.answer!(answerTurn(hubRequest(JSON_MODE)))).toBeDefined()
    expect(jsonRepair.answer!(answerTurn(hubRequest({ responseFormat: { type: 'json_schema', schema: { type: 'object' } } })))).toBeDefined()
    const off = fakeSession({ settings: { 'json-repair': false } })
    expect(jsonRepair.answer!(answerTurn(hubRequest(JSON_MODE), { session: off }))).toBeUndefined()
  })

  it('every front end decodes its way of asking for JSON into responseFormat', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    const msgs = [{ role: 'user', content: 'hi' }]
    expect(PROTOCOLS['openai-chat'].decodeRequest({ model: 'm', messages: msgs, response_format: { type: 'json_object' } }).responseFormat).toEqual({ type: 'json_object' })
    expect(
      PROTOCOLS['openai-chat'].decodeRequest({ model: 'm', messages: msgs, response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }).responseFormat,
    ).toMatchObject({ type: 'json_schema', schema })
    expect(PROTOCOLS['openai-responses'].decodeRequest({ model: 'm', input: 'hi', text: { format: { type: 'json_schema', name: 'x', schema } } }).responseFormat).toMatchObject({
      type: 'json_schema',
      schema,
    })
    expect(PROTOCOLS['openai-responses'].decodeRequest({ model: 'm', input: 'hi', text: { format: { type: 'json_object' } } }).responseFormat).toEqual({ type: 'json_object' })
    expect(PROTOCOLS.anthropic.decodeRequest({ model: 'm', max_tokens: 5, messages: msgs, output_format: { type: 'json_schema', schema } }).responseFormat).toMatchObject({
      type: 'json_schema',
      schema,
    })
    expect(
      PROTOCOLS.anthropic.decodeRequest({ model: 'm', max_tokens: 5, messages: msgs, output_config: { format: { type: 'json_schema', schema } } }).responseFormat,
    ).toMatchObject({ type: 'json_schema', schema })
    const contents = [{ role: 'user', parts: [{ text: 'hi' }] }]
    expect(PROTOCOLS.gemini.decodeRequest({ contents, generationConfig: { responseMimeType: 'application/json' } }, { model: 'g' }).responseFormat).toEqual({ type: 'json_object' })
    expect(
      PROTOCOLS.gemini.decodeRequest({ contents, generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } }, { model: 'g' }).responseFormat,
    ).toMatchObject({ type: 'json_schema', schema })
    expect(
      PROTOCOLS.gemini.decodeRequest({ contents, generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } } }, { model: 'g' })
        .responseFormat,
    ).toMatchObject({ type: 'json_schema' })
  })
})

describe('json-repair: repairJsonText', () => {
  it('leaves JSON that parses alone', () => {
    expect(repairJsonText('{"a": 1}')).toEqual({ ok: true })
    expect(repairJsonText('  [1, 2]\n')).toEqual({ ok: true })
  })

  it('cuts code fences and prose, and mends almost-JSON', () => {
    const cases: [string, unknown][] = [
      ['```json\n{"a": 1}\n```', { a: 1 }],
      ['```\n{"a": [1, 2]}\n```\n', { a: [1, 2] }],
      ['Here is the JSON you asked for:\n\n{"name": "x", "ok": true}\n\nLet me know!', { name: 'x', ok: true }],
      ['Sure! ```json\n{"a": 1,}\n``` Anything else?', { a: 1 }],
      ["{'a': 'b', c: 2,}", { a: 'b', c: 2 }],
      ['{"a": "unterminated', { a: 'unterminated' }],
      ['{"items": [{"id": 1}, {"id": 2', { items: [{ id: 1 }, { id: 2 }] }],
      ['[{"a": 1}, {"a": 2},]', [{ a: 1 }, { a: 2 }]],
      ['Per [the spec] the answer is {"a": 1} (see above).', { a: 1 }],
      ['{"a": 1,}\n\nHope this helps', { a: 1 }],
    ]
    for (const [input, value] of cases) {
      const v = repairJsonText(input)
      expect('fixed' in v, input).toBe(true)
      expect(JSON.parse((v as { fixed: string }).fixed), input).toEqual(value)
    }
  })

  it('says so when there is no JSON to be had (no made-up string)', () => {
    expect(repairJsonText('I cannot help with that.')).toEqual({ failed: true })
    expect(repairJsonText('')).toEqual({ failed: true })
  })
})

describe('json-repair: the watch', () => {
  it('a stream that parses: the same events, released at the end', () => {
    const { w } = watch()
    const got: Ev[] = []
    const emit = { enqueue: (e: Ev) => void got.push(e) }
    const parts = ['{"a"', ': [1, ', '2]}'].map(text)
    w.event(START, emit)
    for (const p of parts) w.event(p, emit)
    expect(got).toEqual([START])
    w.event(FINISH, emit)
    expect(got).toHaveLength(5)
    parts.forEach((p, i) => expect(got[i + 1]).toBe(p))
    expect(got[4]).toBe(FINISH)
  })

  it('a stream that does not parse: one repaired text_delta just before finish, thinking and usage kept', () => {
    const { w } = watch()
    const think: Ev = { type: 'thinking_delta', text: 'plan' }
    const usage: Ev = { type: 'usage', usage: { inputTokens: 1, outputTokens: 9 } }
    const out = runWatch(w, [START, think, text('Here you go:\n```json\n{"a": '), text('1, "b": [true,]}\n'), usage, text('```'), FINISH])
    expect(out[0]).toBe(START)
    expect(out[1]).toBe(think)
    expect(out).toContain(usage)
    const texts = out.filter((e) => e.type === 'text_delta')
    expect(texts).toHaveLength(1)
    expect(JSON.parse(textOf(out))).toEqual({ a: 1, b: [true] })
    expect(out.at(-2)?.type).toBe('text_delta')
    expect(out.at(-1)).toBe(FINISH)
  })

  it('an answer cut by max tokens is closed', () => {
    const { w } = watch()
    const out = runWatch(w, [START, text('{"list": ["a", "b'), { type: 'finish', reason: 'length' }])
    expect(JSON.parse(textOf(out))).toEqual({ list: ['a', 'b'] })
    expect(out.at(-1)).toEqual({ type: 'finish', reason: 'length' })
  })

  it('text that cannot be repaired goes on as it came, with a warning', () => {
    const { w, warnings } = watch()
    const a = text('Sorry, I cannot do that.')
    const out = runWatch(w, [START, a, FINISH])
    expect(out).toEqual([START, a, FINISH])
    expect(out[1]).toBe(a)
    expect(warnings.join(' ')).toMatch(/json-repair/)
  })

  it('a stream cut before finish, or an error: what is held goes on unchanged', () => {
    const a = text('{"a": ')
    expect(runWatch(watch().w, [START, a])).toEqual([START, a])
    const err = { type: 'error', error: new Error('x') } as unknown as Ev
    const out = runWatch(watch().w, [START, a, err])
    expect(out[1]).toBe(a)
    expect(out[2]).toBe(err)
  })

  it('an answer without text (a tool call) goes through untouched', () => {
    const events: Ev[] = [START, { type: 'tool_call_start', index: 0, id: 'c', name: 't' }, { type: 'tool_call_end', index: 0 }, { type: 'finish', reason: 'tool_calls' }]
    const out = runWatch(watch().w, events)
    out.forEach((e, i) => expect(e).toBe(events[i]))
  })

  it('a finished answer: fenced JSON comes back as the bare JSON', () => {
    const turn = answerTurn(hubRequest({ ...JSON_MODE, stream: false }), { stream: false })
    const events = responseToEvents({ id: 'r', model: 'm', content: [{ type: 'text', text: '```json\n{"ok": true}\n```' }], finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } })
    const out = runWatch(jsonRepair.answer!(turn)!, events)
    expect(textOf(out)).toBe('{"ok": true}')
    expect(out.at(-1)).toBe(events.at(-1))
  })
})
