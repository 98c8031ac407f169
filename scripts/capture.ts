/**
 * `npm run capture -- <command>`: the capture tool (src/capture/cli.ts) on Node: files from disk, and for
 * `replay` a thin node:http server around the Web-standard replay handler.
 */
import { existsSync, readFileSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { runCapture, type CaptureIo, type ReplayServer } from '../src/capture/cli'
import { parseDotenv } from '../src/config/dotenv'

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(path)))
    else if (entry.isFile()) out.push(path)
  }
  return out.sort()
}

/**
 * Serves a Web-standard handler on 127.0.0.1. Each chunk of the answer's body is written as it comes (a
 * replay's chunks leave as separate writes); a body that errors destroys the connection, as an upstream that
 * broke off would. With `once`, the server stops after its first answer has been sent (or abandoned).
 */
export function serveOnNode(handler: (req: Request) => Promise<Response>, port: number, once: boolean): Promise<ReplayServer> {
  let stopped!: () => void
  const closed = new Promise<void>((resolve) => (stopped = resolve))
  const server = createServer(async (req, res) => {
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    const finished = () => {
      if (once) void close()
    }
    try {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
      const method = req.method ?? 'GET'
      const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, {
        method,
        headers,
        signal: abort.signal,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      })
      const response = await handler(request)
      const head: string[] = []
      response.headers.forEach((v, k) => head.push(k, v))
      res.writeHead(response.status, head)
      res.flushHeaders()
      if (response.body) {
        const reader = response.body.getReader()
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            // One write per chunk, handed to the socket before the next read (so a break-off after it keeps it).
            await new Promise<void>((resolve, reject) => res.write(value, (err) => (err ? reject(err) : resolve())))
          }
        } catch {
          // The captured answer broke off here: so does this one.
          res.destroy()
          return finished()
        }
      }
      res.end(finished)
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`replay failed: ${(err as Error).message}`)
      finished()
    }
  })
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => {
        stopped()
        resolve()
      })
    })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed, close })
    })
  })
}

/** The capture tool's I/O on Node; settings from .env, overridden by the environment. */
export function nodeCaptureIo(env: Record<string, string | undefined> = process.env): CaptureIo {
  return {
    env: { ...(existsSync('.env') ? parseDotenv(readFileSync('.env', 'utf8')) : {}), ...env },
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    stat: async (path) => {
      try {
        const s = await stat(path)
        return s.isDirectory() ? 'dir' : 'file'
      } catch {
        return undefined
      }
    },
    listFiles,
    readFile: async (path) => new Uint8Array(await readFile(path)),
    serve: serveOnNode,
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // A pipe closed early (`| head`) ends the tool quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1))
  const io = nodeCaptureIo()
  const servers: ReplayServer[] = []
  const serve = io.serve!
  io.serve = async (handler, port, once) => {
    const server = await serve(handler, port, once)
    servers.push(server)
    return server
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)))
  runCapture(process.argv.slice(2), io).then(
    (code) => {
      // stdout drains before the exit (a pipe to `head` that closes early ends it quietly).
      process.stdout.write('', () => process.exit(code))
    },
    (err: Error) => {
      process.stderr.write(`capture: ${err.message}\n`)
      process.exit(1)
    },
  )
}
