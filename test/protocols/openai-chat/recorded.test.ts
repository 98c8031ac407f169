import { describe, expect, it } from 'vitest'
import { GatewayError } from '../../../src/hub/errors'
import { openaiChat } from '../../../src/protocols/openai-chat'
import {
  listClientRequests,
  listRecorded,
  readClientRequest,
  readRecordedChunks,
  readRecordedJson,
} from '../../helpers/fixtures'
import { parseSseText } from '../../helpers/streams'
import { decodeEvents, encodeEvents, hubRequest, payloads } from './helpers'

const FOLDER = 'openai-chat'

describe('recorded Chat Completions bodies', () => {
  const files = listRecorded(FOLDER, '.json')
  it('has fixtures to replay', () => expect(files.length).toBeGreaterThan(0))

  for (const file of files) {
    const body = readRecordedJson(FOLDER, file)
    if (body.error) {
      it(`${file}: decodeError keeps the message and maps the kind`, () => {
        const err = openaiChat.decodeError(400, JSON.stringify(body))
        expect(err).toBeInstanceOf(GatewayError)
        expect(err.message).toBe(body.error.message)
        expect(err.kind).toBe('invalid_request')
        expect(err.status).toBe(400)
        expect(err.upstream).toBe(true)
        if (body.error.param) expect(err.param).toBe(body.error.param)
      })
      continue
    }

    it(`${file}: decodeResponse → encodeResponse keeps text, tool calls, finish and usage`, () => {
      const hub = openaiChat.decodeResponse(body)
      const out = openaiChat.encodeResponse(hub, hubRequest()) as any
      const inMsg = body.choices[0].message
      const outMsg = out.choices[0].message

      expect(out.object).toBe('chat.completion')
      expect(out.id).toBe(body.id)
      expect(out.model).toBe(body.model)
      expect(out.created).toBe(body.created)
      expect(outMsg.role).toBe('assistant')
      expect(outMsg.content).toBe(inMsg.content ?? null)
      expect(outMsg.tool_calls ?? []).toEqual(
        (inMsg.tool_calls ?? []).map((c: any) => ({ id: c.id, type: 'function', function: c.function })),
      )
      expect(out.choices[0].finish_reason).toBe(body.choices[0].finish_reason)

      const u = body.usage
      expect(out.usage.prompt_tokens).toBe(u.prompt_tokens)
      expect(out.usage.completion_tokens).toBe(u.completion_tokens)
      expect(out.usage.total_tokens).toBe(u.total_tokens)
      expect(out.usage.prompt_tokens_details.cached_tokens).toBe(u.prompt_tokens_details?.cached_tokens ?? 0)
      expect(out.usage.completion_tokens_details.reasoning_tokens).toBe(
        u.completion_tokens_details?.reasoning_tokens ?? 0,
      )
    })
  }
})

/** Replays an upstream stream through decodeStream → encodeStream and checks what a client sees. */
async function replayStream(lines: string[], streamUsage: boolean) {
  const chunks = lines.map((l) => JSON.parse(l))
  const events = await decodeEvents([...lines.map((data) => ({ data })), { data: '[DONE]' }])
  const out = await encodeEvents(events, hubRequest({ stream: true, streamUsage }))
  const sent = payloads(out)

  expect(out.at(-1)!.data).toBe('[DONE]')
  expect(sent[0].choices[0].delta.role).toBe('assistant')
  expect(sent.every((c) => c.object === 'chat.completion.chunk')).toBe(true)

  const textOf = (cs: any[]) => cs.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')
  expect(textOf(sent)).toBe(textOf(chunks))

  const argsOf = (cs: any[]) => {
    const byIndex: Record<number, { id?: string; name?: string; args: string }> = {}
    for (const c of cs)
      for (const tc of c.choices?.[0]?.delta?.tool_calls ?? []) {
        const entry = (byIndex[tc.index] ??= { args: '' })
        if (tc.id) entry.id = tc.id
        if (tc.function?.name) entry.name = tc.function.name
        entry.args += tc.function?.arguments ?? ''
      }
    return byIndex
  }
  expect(argsOf(sent)).toEqual(argsOf(chunks))

  const finish = (cs: any[]) => cs.map((c) => c.choices?.[0]?.finish_reason).filter(Boolean)
  expect(finish(sent)).toEqual(finish(chunks))

  const usageChunks = sent.filter((c) => c.usage)
  const upstreamUsage = chunks.find((c) => c.usage)?.usage
  if (streamUsage) {
    expect(usageChunks).toHaveLength(1)
    expect(usageChunks[0].choices).toEqual([])
    expect(usageChunks[0].usage.prompt_tokens).toBe(upstreamUsage.prompt_tokens)
    expect(usageChunks[0].usage.completion_tokens).toBe(upstreamUsage.completion_tokens)
    expect(usageChunks[0].usage.total_tokens).toBe(upstreamUsage.total_tokens)
  } else {
    expect(usageChunks).toHaveLength(0)
    expect(sent.some((c) => c.choices.length === 0)).toBe(false)
  }
}

describe('recorded Chat Completions streams', () => {
  const files = listRecorded(FOLDER, '.chunks.txt')
  it('has fixtures to replay', () => expect(files.length).toBeGreaterThan(0))
  for (const file of files) {
    for (const streamUsage of [true, false]) {
      it(`${file} (include_usage: ${streamUsage})`, () => replayStream(readRecordedChunks(FOLDER, file), streamUsage))
    }
  }

  // The opencode captures carry the upstream stream they were answered with.
  for (const file of listClientRequests('opencode-chat-completions')) {
    const body: string | undefined = readClientRequest('opencode-chat-completions', file).fake_response?.body
    if (!body) continue
    it(`opencode ${file} fake response stream`, () =>
      replayStream(
        parseSseText(body)
          .map((e) => e.data)
          .filter((d) => d !== '[DONE]'),
        true,
      ))
  }
})
