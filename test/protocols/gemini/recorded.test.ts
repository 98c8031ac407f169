import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { unpackCallId } from '../../../src/hub/signature-envelope'
import { anthropic } from '../../../src/protocols/anthropic'
import { gemini } from '../../../src/protocols/gemini'
import { openaiChat } from '../../../src/protocols/openai-chat'
import { FIXTURES, listRecorded, readRecordedChunks, readRecordedJson } from '../../helpers/fixtures'
import { counts, decodeLines, encodeWith, hubReq, summarize } from './helpers'

const jsonFiles = listRecorded('gemini', '.json').filter((f) => !f.includes('429'))
const chunkFiles = listRecorded('gemini', '.chunks.txt')

/** Gemini streams function calls whole, except this Vertex recording (streamFunctionCallArguments). */
const PARTIAL_ARGS = 'google-stream-tool-call-arguments.chunks.txt'
const PARTIAL_ARGS_CALLS = [
  { name: 'getWeather', args: { location: 'Boston' } },
  { name: 'getWeather', args: { location: 'San Francisco' } },
]

/** What a Gemini client reads from the recorded chunks themselves. */
function originalSummary(file: string) {
  const payloads = readRecordedChunks('gemini', file).map((l) => JSON.parse(l))
  const s = summarize(payloads)
  if (file === PARTIAL_ARGS) s.calls = PARTIAL_ARGS_CALLS.map((c, i) => (i === 0 ? { ...c, thoughtSignature: s.signatures[0] } : c))
  return s
}

describe('recorded Gemini responses: decodeResponse → encodeResponse', () => {
  it('finds the recordings', () => {
    expect(jsonFiles.length).toBeGreaterThanOrEqual(4)
    expect(chunkFiles.length).toBeGreaterThanOrEqual(6)
  })

  for (const file of jsonFiles) {
    it(`${file}: parts, signatures, finish reason and usage survive`, () => {
      const original = readRecordedJson('gemini', file)
      const hub = gemini.decodeResponse(original)
      const out = gemini.encodeResponse(hub, hubReq()) as any
      const before = original.candidates[0]
      const after = out.candidates[0]

      // Every part comes back as it was; a synthesized call id is the only addition.
      const parts = after.content.parts.map((p: any) => {
        if (!p.functionCall) return p
        expect(p.functionCall.id).toMatch(/^call_[A-Za-z0-9]+$/)
        const { id: _id, ...fc } = p.functionCall
        return { ...p, functionCall: fc }
      })
      expect(parts).toEqual(before.content.parts)
      for (const [i, p] of before.content.parts.entries())
        if (p.thoughtSignature) expect(after.content.parts[i].thoughtSignature).toBe(p.thoughtSignature)

      expect(after.finishReason).toBe(before.finishReason)
      expect(out.responseId).toBe(original.responseId)
      expect(out.modelVersion).toBe(original.modelVersion)

      const u = counts(original.usageMetadata)
      expect(counts(out.usageMetadata)).toEqual(u)
      expect(u.prompt + u.candidates + u.thoughts).toBe(u.total)
      expect(hub.usage.inputTokens + hub.usage.outputTokens).toBe(u.total)
      expect(hub.usage.reasoningTokens).toBe(u.thoughts)

      const calls = hub.content.filter((p) => p.type === 'tool_call')
      expect(hub.finishReason).toBe(calls.length ? 'tool_calls' : 'stop')
      for (const call of calls) {
        // The signature rides both in the part and in the id, for clients that only echo ids.
        expect(call.signature).toBeTruthy()
        expect(unpackCallId(call.id).signature).toBe(call.signature)
      }
    })
  }
})

describe('recorded Gemini streams', () => {
  for (const file of chunkFiles) {
    const lines = readRecordedChunks('gemini', file)

    it(`${file}: decodeStream → encodeStream gives a Gemini client the same answer`, async () => {
      const events = await decodeLines(lines)
      expect(events[0]!.type).toBe('start')
      expect(events.filter((e) => e.type === 'start')).toHaveLength(1)
      expect(events.at(-1)!.type).toBe('finish')
      const frames = await encodeWith(gemini.encodeStream, events)
      const payloads = frames.map((f) => JSON.parse(f.data))
      const got = summarize(payloads)
      const want = originalSummary(file)

      expect(got.text).toBe(want.text)
      expect(got.thoughts).toBe(want.thoughts)
      expect(got.signatures).toEqual(want.signatures)
      expect(got.calls.map(({ name, args, thoughtSignature }) => ({ name, args, thoughtSignature }))).toEqual(
        want.calls.map(({ name, args, thoughtSignature }) => ({ name, args, thoughtSignature })),
      )
      for (const call of got.calls) expect(call.id).toMatch(/^call_[A-Za-z0-9]+$/) // bare: no packed signature
      expect(got.finishReason).toBe(want.finishReason)
      expect(counts(got.usage)).toEqual(counts(want.usage))
      expect(got.responseId).toBe(want.responseId)
      expect(got.modelVersion).toBe(want.modelVersion)
      // Only the last chunk carries the finish reason.
      expect(payloads.filter((p) => p.candidates[0].finishReason)).toHaveLength(1)
    })

    it(`${file}: an Anthropic client gets complete tool_use blocks`, async () => {
      const events = await decodeLines(lines)
      const frames = await encodeWith(anthropic.encodeStream, events)
      const types = frames.map((f) => f.event)
      expect(types[0]).toBe('message_start')
      expect(types.at(-1)).toBe('message_stop')

      const want = originalSummary(file)
      const blocks = new Map<number, { type: string; id?: string; name?: string; json: string; text: string; stopped: boolean }>()
      let stopReason: string | undefined
      for (const f of frames) {
        const p = JSON.parse(f.data)
        if (p.type === 'content_block_start')
          blocks.set(p.index, { type: p.content_block.type, id: p.content_block.id, name: p.content_block.name, json: '', text: '', stopped: false })
        else if (p.type === 'content_block_delta') {
          const b = blocks.get(p.index)!
          expect(b.stopped).toBe(false)
          if (p.delta.type === 'input_json_delta') b.json += p.delta.partial_json
          if (p.delta.type === 'text_delta') b.text += p.delta.text
        } else if (p.type === 'content_block_stop') blocks.get(p.index)!.stopped = true
        else if (p.type === 'message_delta') stopReason = p.delta.stop_reason
      }
      const all = [...blocks.values()]
      expect(all.every((b) => b.stopped)).toBe(true)
      const tools = all.filter((b) => b.type === 'tool_use')
      expect(tools.map((t) => ({ name: t.name, args: JSON.parse(t.json) }))).toEqual(want.calls.map(({ name, args }) => ({ name, args })))
      for (const [i, t] of tools.entries()) {
        expect(t.id).toMatch(/^[A-Za-z0-9_-]+$/)
        if (want.calls[i]!.thoughtSignature) expect(unpackCallId(t.id!).signature).toBe(want.calls[i]!.thoughtSignature)
      }
      expect(all.filter((b) => b.type === 'text').map((b) => b.text).join('')).toBe(want.text)
      expect(stopReason).toBe(tools.length ? 'tool_use' : 'end_turn')
    })

    it(`${file}: an OpenAI Chat client gets complete tool_calls`, async () => {
      const events = await decodeLines(lines)
      const frames = await encodeWith(openaiChat.encodeStream, events, hubReq({ stream: true, streamUsage: true }))
      expect(frames.at(-1)!.data).toBe('[DONE]')
      const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.data))
      const calls: Array<{ id: string; name: string; args: string }> = []
      let text = ''
      let finish: string | undefined
      for (const c of chunks) {
        const choice = c.choices[0]
        if (!choice) continue
        text += choice.delta.content ?? ''
        for (const tc of choice.delta.tool_calls ?? []) {
          if (tc.id) {
            expect(tc.index).toBe(calls.length) // each call opens with id and name, in order
            calls.push({ id: tc.id, name: tc.function.name, args: tc.function.arguments ?? '' })
          } else calls[tc.index]!.args += tc.function.arguments
        }
        if (choice.finish_reason) finish = choice.finish_reason
      }
      const want = originalSummary(file)
      expect(text).toBe(want.text)
      expect(calls.map((c) => ({ name: c.name, args: JSON.parse(c.args) }))).toEqual(want.calls.map(({ name, args }) => ({ name, args })))
      expect(finish).toBe(calls.length ? 'tool_calls' : 'stop')
      const usage = chunks.at(-1).usage
      const u = counts(want.usage)
      expect(usage.prompt_tokens + usage.completion_tokens).toBe(u.prompt + u.candidates + u.thoughts)
    })
  }
})

describe('recorded Gemini error', () => {
  it('a 429 with RetryInfo is a rate limit, message and retry delay kept', () => {
    const text = readFileSync(join(FIXTURES, 'recorded', 'gemini', 'google-429-retry-info.json'), 'utf8')
    const err = gemini.decodeError(429, text)
    expect(err.kind).toBe('rate_limit')
    expect(err.status).toBe(429)
    expect(err.upstream).toBe(true)
    expect(err.message).toBe('You exceeded your current quota, please check your plan.')
    expect(err.retryAfter).toBe('35')
    // And a Gemini client sees Google's own shape again.
    expect(gemini.encodeError(err)).toEqual({
      status: 429,
      body: { error: { code: 429, message: 'You exceeded your current quota, please check your plan.', status: 'RESOURCE_EXHAUSTED' } },
    })
  })
})
