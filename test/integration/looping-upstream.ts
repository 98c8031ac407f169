import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A fake OpenAI Chat Completions upstream (loopback) whose model is stuck in a
 * loop: a streamed answer repeats `text` in pieces of `piece` characters until
 * the client goes away (at most `cap` pieces, then a normal finish), so a test
 * can see whether the gateway let go of the upstream; a finished answer is
 * `text` repeated `repeats` times. A stream's `done` settles when its
 * connection closes (the client let go, or the stream ended at the cap).
 */
export interface LoopingUpstream {
  url: string
  /** Per request, in order: how many pieces were written, and whether the client closed before the end. */
  streams: Array<{ pieces: number; closedEarly: boolean; done: Promise<void> }>
  close(): Promise<void>
}

export async function startLoopingUpstream(o: { text: string; piece?: number; cap?: number; repeats?: number }): Promise<LoopingUpstream> {
  const piece = o.piece ?? 25
  const cap = o.cap ?? 20_000
  const streams: LoopingUpstream['streams'] = []
  const whole = o.text.repeat(o.repeats ?? 30)
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, usage?: unknown) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-loop', object: 'chat.completion.chunk', created: 1, model: 'looper', choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`

  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')))
    req.on('end', () => {
      const body = JSON.parse(raw || '{}')
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            id: 'chatcmpl-loop',
            object: 'chat.completion',
            created: 1,
            model: 'looper',
            choices: [{ index: 0, message: { role: 'assistant', content: whole }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 10, completion_tokens: 700, total_tokens: 710 },
          }),
        )
        return
      }
      void loop(res, body.stream_options?.include_usage === true)
    })
  })

  async function loop(res: ServerResponse, usage: boolean) {
    let closed = false
    let settle!: () => void
    const record = { pieces: 0, closedEarly: false, done: new Promise<void>((resolve) => (settle = resolve)) }
    streams.push(record)
    res.on('close', () => {
      closed = true
      record.closedEarly = record.pieces < cap && !res.writableEnded
      settle()
    })
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(chunk({ role: 'assistant', content: '' }))
    const text = o.text
    let at = 0
    while (!closed && record.pieces < cap) {
      let s = ''
      while (s.length < piece) {
        s += text[at]!
        at = (at + 1) % text.length
      }
      record.pieces++
      const ok = res.write(chunk({ content: s }))
      // one piece per turn of the event loop (and wait while the socket is full), so the client can act between pieces
      await new Promise<void>((resolve) => (ok ? setImmediate(resolve) : res.once('drain', resolve).once('close', resolve)))
    }
    if (closed) return
    res.write(chunk({}, 'stop'))
    if (usage) res.write(chunk({}, null, { prompt_tokens: 10, completion_tokens: record.pieces, total_tokens: 10 + record.pieces }))
    res.end('data: [DONE]\n\n')
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    streams,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
