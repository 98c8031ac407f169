import { serve } from '@hono/node-server'
import { Hono } from 'hono'

/**
 * A bare Hono forwarder: the request goes to the global fetch, the upstream's
 * Response comes back unchanged. What any Hono-on-Node proxy costs before it
 * does any work of its own. Env: UPSTREAM_URL, HOST, PORT (0 = any).
 */
const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9999'
const hostname = process.env.HOST ?? '127.0.0.1'
const app = new Hono()
app.all('*', (c) => {
  const req = c.req.raw
  const url = new URL(req.url)
  const headers = new Headers(req.headers)
  headers.delete('host')
  headers.delete('connection')
  return fetch(upstream + url.pathname + url.search, { method: req.method, headers, body: req.body, duplex: 'half' } as RequestInit)
})
serve({ fetch: app.fetch, hostname, port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(`hono forwarder listening on http://${hostname}:${info.port}`)
})
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0))
