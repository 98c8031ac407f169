import { EventSourceParserStream } from 'eventsource-parser/stream'
import { describe, expect, it } from 'vitest'
import { parseSse, type SseEvent } from '../../src/sse/parse'
import { listRecorded, readRecordedChunks } from '../helpers/fixtures'
import { collect } from '../helpers/streams'

const encoder = new TextEncoder()

/** The bytes, cut into pieces of pseudo-random sizes (1 to 40 bytes), as a network might deliver them. */
function pieces(text: string, seed: number): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text)
  const out: Uint8Array[] = []
  let s = seed
  for (let i = 0; i < bytes.length; ) {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    const n = 1 + (s % 40)
    out.push(bytes.slice(i, i + n))
    i += n
  }
  return new ReadableStream({
    start(c) {
      for (const p of out) c.enqueue(p)
      c.close()
    },
  })
}

async function reference(text: string): Promise<SseEvent[]> {
  const events = await collect(
    new ReadableStream<string>({
      start(c) {
        c.enqueue(text)
        c.close()
      },
    }).pipeThrough(new EventSourceParserStream()),
  )
  return events.map((e) => (e.event ? { event: e.event, data: e.data } : { data: e.data }))
}

/** Every recorded stream as it came over the wire. */
function recordedWires(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = []
  for (const folder of ['anthropic', 'openai-chat', 'openai-responses', 'gemini'])
    for (const file of listRecorded(folder, '.chunks.txt')) {
      const lines = readRecordedChunks(folder, file)
      const named = folder === 'anthropic' || folder === 'openai-responses'
      const text = lines
        .map((l) => {
          let type: string | undefined
          try {
            type = JSON.parse(l).type
          } catch {}
          return named && type ? `event: ${type}\ndata: ${l}\n\n` : `data: ${l}\n\n`
        })
        .join('')
      out.push({ name: `${folder}/${file}`, text: folder === 'openai-chat' ? `${text}data: [DONE]\n\n` : text })
    }
  return out
}

describe('parseSse (byte scanning)', () => {
  it('frames every recorded stream exactly as eventsource-parser does, however the bytes are cut', async () => {
    const wires = recordedWires()
    expect(wires.length).toBeGreaterThan(50)
    for (const { name, text } of wires) {
      const expected = await reference(text)
      for (const seed of [1, 7, 42]) expect(await collect(parseSse(pieces(text, seed))), name).toEqual(expected)
    }
  })

  it('handles CRLF and CR line ends (also split between chunks), comments, multi-line data, a BOM, and a missing final blank line', async () => {
    const text = '\ufeff: keep-alive\r\nevent: a\r\ndata: one\r\ndata: two\r\n\r\ndata:three\r\rdata: é€😀\n\nretry: 5\nid: 1\ndata: last'
    const got = await collect(parseSse(pieces(text, 3)))
    expect(got).toEqual([{ event: 'a', data: 'one\ntwo' }, { data: 'three' }, { data: 'é€😀' }, { data: 'last' }])
  })

  it('an event with no data field is not delivered', async () => {
    expect(await collect(parseSse(pieces('event: ping\n\ndata: x\n\n', 9)))).toEqual([{ data: 'x' }])
  })
})
