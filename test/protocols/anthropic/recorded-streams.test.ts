import { describe, expect, it } from 'vitest'
import { anthropic } from '../../../src/protocols/anthropic'
import type { HubRequest } from '../../../src/hub/request'
import type { HubStreamEvent } from '../../../src/hub/stream'
import { listRecorded, readRecordedChunks } from '../../helpers/fixtures'
import { collect, parseSseText, runTransform, streamOf } from '../../helpers/streams'
import { chunksToEvents, rebuild, splitMessages } from './anthropic-sse'

const req: HubRequest = { model: 'claude-test', system: [], messages: [], stream: true }

async function replay(lines: string[]) {
  const hub = await runTransform(chunksToEvents(lines), anthropic.decodeStream())
  const bytes = await collect(streamOf(hub).pipeThrough(anthropic.encodeStream(req)))
  const text = new TextDecoder().decode(Buffer.concat(bytes.map((b) => Buffer.from(b))))
  return { hub, out: parseSseText(text) }
}

const files = listRecorded('anthropic', '.chunks.txt')

describe('recorded Anthropic streams: decodeStream → encodeStream', () => {
  it('finds the recordings', () => {
    expect(files.length).toBeGreaterThan(20)
  })

  for (const file of files) {
    const segments = splitMessages(readRecordedChunks('anthropic', file))
    segments.forEach((lines, n) => {
      const name = segments.length > 1 ? `${file} (message ${n + 1}/${segments.length})` : file
      const original = rebuild(chunksToEvents(lines), false)

      if (original.messageStarts > 1 && file.startsWith('spliced')) {
        it(`${name}: a spliced second message is an error, not a merge`, async () => {
          const { hub, out } = await replay(lines)
          expect(hub.filter((e) => e.type === 'start')).toHaveLength(1)
          expect(hub.at(-1)?.type).toBe('error')
          expect(hub.some((e) => e.type === 'finish')).toBe(false)
          const got = rebuild(out, true)
          expect(got.error?.type).toBe('api_error')
          expect(got.error?.message).toMatch(/msg_second/)
          // Nothing of the second generation leaked into the first.
          expect(got.signatures).not.toContain('sig-second')
          expect(got.tools.map((t) => t.id)).not.toContain('toolu_second')
        })
        return
      }

      it(`${name}: sequential blocks, nothing lost`, async () => {
        const { hub, out } = await replay(lines)
        expect(hub.filter((e) => e.type === 'start')).toHaveLength(1)
        expect(hub.filter((e) => e.type === 'finish')).toHaveLength(1)
        const got = rebuild(out, true)
        expect(got.messageStarts).toBe(1)
        expect(got.last).toBe('message_stop')
        expect(got.text).toBe(original.text)
        expect(got.thinking).toBe(original.thinking)
        expect(got.signatures).toEqual(original.signatures)
        expect(got.redacted).toEqual(original.redacted)
        expect(got.tools.map(({ id, name, input }) => ({ id, name, input }))).toEqual(
          original.tools.map(({ id, name, input }) => ({ id, name, input })),
        )
        expect(got.stopReason).toBe(original.stopReason)
        expect(got.stopSequence ?? null).toBe(original.stopSequence ?? null)
        expect(got.usage).toEqual(original.usage)
      })
    })
  }

  it('keeps the text of server-tool streams (web search with citations)', async () => {
    const lines = readRecordedChunks('anthropic', 'anthropic-web-search-tool.1.chunks.txt')
    const { out } = await replay(lines)
    const got = rebuild(out, true)
    expect(got.text.length).toBeGreaterThan(500)
    expect(got.tools).toHaveLength(0) // server_tool_use is not a client tool call
  })

  it('ignores a duplicated message_start frame of the same message', async () => {
    const lines = readRecordedChunks('anthropic', 'duplicate-message-start.chunks.txt')
    const { hub } = await replay(lines)
    expect(hub.filter((e) => e.type === 'start')).toHaveLength(1)
    const finish = hub.at(-1) as Extract<HubStreamEvent, { type: 'finish' }>
    expect(finish).toMatchObject({ type: 'finish', reason: 'stop', usage: { inputTokens: 17, outputTokens: 227 } })
  })

  it('emits the tool calls a message_start already carries (programmatic tool calling)', async () => {
    const segments = splitMessages(readRecordedChunks('anthropic', 'anthropic-programmatic-tool-calling.1.chunks.txt'))
    const { hub } = await replay(segments[1]!)
    expect(hub).toEqual([
      expect.objectContaining({ type: 'start', id: 'msg_01KSVw3xmXbMNJPNMt46BC5W' }),
      { type: 'tool_call_start', index: 0, id: 'toolu_015dGLMbwBKv1ZRQr6KdJzeH', name: 'rollDie' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"player":"player2"}' },
      { type: 'tool_call_end', index: 0 },
      expect.objectContaining({ type: 'finish', reason: 'tool_calls' }),
    ])
  })
})
