import { existsSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { serve } from '@hono/node-server'
import { createApp } from '../src/app'
import { parseDotenv } from '../src/config/dotenv'
import { MemoryStore } from '../src/state/memory-store'
import { FileStore } from './file-store'

export interface NodeGateway {
  url: string
  close(): Promise<void>
}

/** Serves the gateway with the given settings; port 0 picks a free port. */
export async function startGateway(env: Record<string, string | undefined>, hostname = '127.0.0.1', port = 8787): Promise<NodeGateway> {
  // State (stored responses): files under STATE_DIR when set, else memory.
  const store = env.STATE_DIR ? new FileStore(env.STATE_DIR) : new MemoryStore()
  const app = createApp({ env, store: () => store })
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname, port }, (info: AddressInfo) => {
      resolve({
        url: `http://${hostname}:${info.port}`,
        close: () => new Promise((done) => {
          ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
          server.close(() => done())
        }),
      })
    })
  })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Settings: an optional .env file, overridden by the process environment.
  const env = { ...(existsSync('.env') ? parseDotenv(readFileSync('.env', 'utf8')) : {}), ...process.env }
  startGateway(env, env.HOST || '127.0.0.1', Number(env.PORT || 8787)).then(
    (gw) => {
      console.log(`llm-gateway (node) listening on ${gw.url}`)
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => gw.close().then(() => process.exit(0)))
    },
    (err: Error) => {
      console.error(err.message)
      process.exit(1)
    },
  )
}
