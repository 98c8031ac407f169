import { lookup } from 'node:dns/promises'
import { existsSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createAdaptorServer } from '@hono/node-server'
import { classifyLiteral } from '../src/access/addresses'
import { checkStart } from '../src/access/start-check'
import { createApp } from '../src/app'
import { parseConfigFile, type ConfigFile } from '../src/config/config-file'
import { parseDotenv } from '../src/config/dotenv'
import type { Settings } from '../src/config/settings'
import { memoryState } from '../src/state/memory-state'
import { MemoryStore } from '../src/state/memory-store'
import { FileStore } from './file-store'
import { fileState, STATE_SUBDIR } from './file-state'
import { undiciTransport } from './undici-transport'
import { captureDir, fileCaptures } from './capture-files'
import { nodeCredentialFiles } from './node-credential-files'

export interface NodeGateway {
  url: string
  close(): Promise<void>
}

/** Serves the gateway with the given settings; port 0 picks a free port. */
export async function startGateway(
  env: Record<string, string | undefined>,
  hostname = '127.0.0.1',
  port = 8787,
  config?: ConfigFile,
): Promise<NodeGateway> {
  // Single-user mode binds loopback only; multi-user mode needs client keys (src/access/start-check.ts).
  checkStart(env, config, hostname)
  // State (stored responses, the registry): files under STATE_DIR when set, else memory.
  const store = env.STATE_DIR ? new FileStore(env.STATE_DIR) : new MemoryStore()
  // Health, limits, usage and sessions: files under STATE_DIR/gateway-state when set, else memory.
  const state = env.STATE_DIR ? fileState(join(env.STATE_DIR, STATE_SUBDIR)) : memoryState()
  // The vendor CLIs' credentials files (subscription back ends); `~` is the settings' HOME.
  const files = nodeCredentialFiles(env.HOME || env.USERPROFILE)
  // Wire capture: files under CAPTURE_DIR (else STATE_DIR/captures, else ./captures), written only when something is captured.
  const capture = (_env: Record<string, unknown>, s: Settings) => fileCaptures(captureDir(env, s.capture), s.capture, 'node')
  const app = createApp({
    env, config, store: () => store, state: () => state,
    // Multi-user mode: the addresses a name resolves to are checked again as each connection opens.
    transport: undiciTransport(env.ACCESS_MODE === 'multi-user' ? { refuse: (address) => classifyLiteral(address).refused } : {}),
    // The socket's peer (the invalid-key slowdown's address) and a resolver (multi-user mode's address check).
    remoteAddress: (e) => (e as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress,
    resolveHost: async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address),
    capture,
    files,
  })
  const server = createAdaptorServer({ fetch: app.fetch, hostname })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    // A deep accept queue: a burst of clients connecting at once waits in it instead of being dropped.
    server.listen({ port, host: hostname, backlog: 4096 }, () => {
      server.off('error', reject)
      resolve({
        url: `http://${hostname}:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise((done) => {
            ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
            server.close(() => done())
          }),
      })
    })
  })
}

/** `--config FILE` or `--config=FILE`. */
function configPath(args: string[]): string | undefined {
  const at = args.findIndex((a) => a === '--config' || a.startsWith('--config='))
  if (at === -1) return undefined
  return args[at]!.includes('=') ? args[at]!.slice('--config='.length) : args[at + 1]
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Settings: an optional .env file, overridden by the process environment.
  const env = { ...(existsSync('.env') ? parseDotenv(readFileSync('.env', 'utf8')) : {}), ...process.env }
  const file = configPath(process.argv.slice(2))
  Promise.resolve()
    .then(() => (file ? parseConfigFile(readFileSync(file, 'utf8'), file) : undefined))
    .then((config) => startGateway(env, env.HOST || '127.0.0.1', Number(env.PORT || 8787), config))
    .then(
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
