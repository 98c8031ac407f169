import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The floor: a plain node:http reverse proxy. Request and response are piped
 * through unchanged (minus hop-by-hop headers) over a keep-alive Agent.
 * Env: UPSTREAM_URL, HOST, PORT (0 = any). Prints `listening on http://…`.
 */
const upstream = new URL(process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9999')
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024, keepAliveMsecs: 30_000 })
const HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']

function strip(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers }
  for (const h of HOP) delete out[h]
  return out
}

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const headers = strip(req.headers)
  headers.host = upstream.host
  const up = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
    (ur) => {
      res.writeHead(ur.statusCode ?? 502, strip(ur.headers))
      ur.pipe(res)
    },
  )
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  res.on('close', () => {
    if (!res.writableFinished) up.destroy()
  })
  req.pipe(up)
})

const host = process.env.HOST ?? '127.0.0.1'
server.listen({ port: Number(process.env.PORT ?? 0), host, backlog: 4096 }, () => {
  console.log(`raw forwarder listening on http://${host}:${(server.address() as AddressInfo).port}`)
})
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0))
