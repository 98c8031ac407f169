import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { undiciTransport } from '../../adapters/undici-transport'

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((done) => s.close(done))
  }
})

/** A loopback server; counts the client connections its requests came over. */
async function serve(handler: Handler): Promise<{ url: string; connections: () => number }> {
  const clients = new Set<number>()
  const server = createServer((req, res) => {
    clients.add(req.socket.remotePort!)
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => handler(req, res, body))
  })
  servers.push(server)
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => clients.size }
}

const post = (url: string, body = '{}', signal?: AbortSignal) =>
  undiciTransport()({ url, method: 'POST', headers: new Headers({ 'content-type': 'application/json', 'x-trace': 'abc' }), body, signal })

describe('undiciTransport', () => {
  it('sends method, path, query, headers and body, and returns status, repeated headers and body', async () => {
    let seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: string } = {}
    const up = await serve((req, res, body) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body }
      res.writeHead(201, [['content-type', 'application/json'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-request-id', 'r1']])
      res.end('{"ok":true,"text":"héllo"}')
    })
    const res = await post(`${up.url}/v1/chat?beta=true`, '{"model":"m","text":"ünïcode"}')
    expect(seen.method).toBe('POST')
    expect(seen.url).toBe('/v1/chat?beta=true')
    expect(seen.headers!['x-trace']).toBe('abc')
    expect(seen.headers!['content-length']).toBe(String(Buffer.byteLength('{"model":"m","text":"ünïcode"}')))
    expect(seen.body).toBe('{"model":"m","text":"ünïcode"}')
    expect(res.status).toBe(201)
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(res.headers.get('x-request-id')).toBe('r1')
    expect(await res.json()).toEqual({ ok: true, text: 'héllo' })
  })

  it('sends a long conversation whole, with its content-length (not chunked)', async () => {
    let seen: { headers?: IncomingMessage['headers']; body?: string } = {}
    const up = await serve((req, res, body) => {
      seen = { headers: req.headers, body }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
    })
    const long = JSON.stringify({ model: 'm', messages: Array.from({ length: 2000 }, (_, i) => ({ role: 'user', content: `message ${i} ✓ ${'x'.repeat(100)}` })) })
    expect(Buffer.byteLength(long)).toBeGreaterThan(200_000)
    const res = await post(up.url, long)
    expect(res.status).toBe(200)
    expect(seen.headers!['content-length']).toBe(String(Buffer.byteLength(long)))
    expect(seen.headers!['transfer-encoding']).toBeUndefined()
    expect(seen.body).toBe(long)
  })

  it('offers a finished body as a stream too', async () => {
    const up = await serve((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end('{"error":{"message":"bad"}}')
    })
    const res = await post(up.url)
    expect(res.ok).toBe(false)
    expect(await new Response(res.body).text()).toBe('{"error":{"message":"bad"}}')
  })

  it('hands over each event of a stream as it arrives, before the next one is sent', async () => {
    let next: (() => void) | undefined
    const up = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      next = () => {
        res.write('data: two\n\n')
        res.end()
      }
    })
    const res = await post(up.url)
    const reader = res.body!.getReader()
    const dec = new TextDecoder()
    const first = await reader.read()
    expect(dec.decode(first.value)).toBe('data: one\n\n')
    // The second event does not exist yet: the first was not held back waiting for it.
    next!()
    let rest = ''
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += dec.decode(r.value)
    expect(rest).toBe('data: two\n\n')
  })

  it('hands out its own reader of a streamed answer, no Web stream needed', async () => {
    const up = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      setTimeout(() => res.end('data: two\n\n'), 20)
    })
    const res = await post(up.url)
    const reader = res.reader!()!
    const dec = new TextDecoder()
    let text = ''
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += dec.decode(r.value)
    expect(text).toBe('data: one\n\ndata: two\n\n')
    // The body was taken by its reader.
    expect(res.body).toBeNull()
  })

  it('pauses a fast upstream while the reader is slow, and loses nothing', async () => {
    const event = (i: number) => `data: ${String(i).padStart(5, '0')} ${'x'.repeat(8000)}\n\n`
    const up = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (let i = 0; i < 200; i++) res.write(event(i))
      res.end()
    })
    const res = await post(up.url)
    const reader = res.body!.getReader()
    const dec = new TextDecoder()
    let text = ''
    let reads = 0
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += dec.decode(r.value, { stream: true })
      // A slow reader at first: the upstream has long sent everything and waits on the socket.
      if (++reads < 5) await new Promise((done) => setTimeout(done, 20))
    }
    expect(text).toBe(Array.from({ length: 200 }, (_, i) => event(i)).join(''))
  })

  it('stops the upstream when the reader cancels the body', async () => {
    let closed: () => void
    const upstreamClosed = new Promise<void>((done) => (closed = done))
    const up = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      res.on('close', () => closed())
    })
    const res = await post(up.url)
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel()
    await upstreamClosed
  })

  it('keeps the connection alive across calls', async () => {
    const up = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{}')
    })
    const transport = undiciTransport()
    for (let i = 0; i < 6; i++) {
      const res = await transport({ url: up.url, method: 'POST', headers: new Headers(), body: '{}' })
      await res.arrayBuffer()
    }
    // Six calls, one after another, over pooled connections (undici may open a second while the first is being released).
    expect(up.connections()).toBeLessThanOrEqual(2)
  })

  it('rejects with the socket error code when nothing listens', async () => {
    const up = await serve(() => {})
    const url = up.url
    servers[0]!.close()
    await new Promise((done) => setTimeout(done, 10))
    await expect(post(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('fails the body, not silently ends it, when the upstream drops a stream midway', async () => {
    const up = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      setTimeout(() => res.socket!.destroy(), 20)
    })
    const res = await post(up.url)
    const reader = res.body!.getReader()
    await reader.read()
    await expect(reader.read()).rejects.toThrow()
  })

  it('fails a finished-body answer cut short', async () => {
    const up = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"partial":')
      setTimeout(() => res.socket!.destroy(), 20)
    })
    await expect(post(up.url)).rejects.toThrow()
  })

  it('stops waiting when the signal aborts', async () => {
    const up = await serve(() => {
      // never answers
    })
    const controller = new AbortController()
    const pending = post(up.url, '{}', controller.signal)
    setTimeout(() => controller.abort(), 20)
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
  })
})
