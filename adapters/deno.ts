// deno-lint-ignore-file no-explicit-any
import { checkStart } from '../src/access/start-check.ts'
import { createApp } from '../src/app.ts'
import { parseConfigFile } from '../src/config/config-file.ts'
import { parseDotenv } from '../src/config/dotenv.ts'
import { memoryState } from '../src/state/memory-state.ts'
import { MemoryStore } from '../src/state/memory-store.ts'
import { FileStore } from './file-store.ts'
import { fileState, STATE_SUBDIR } from './file-state.ts'
import { captureDir, fileCaptures } from './capture-files.ts'
import { denoCredentialFiles } from './deno-credential-files.ts'

declare const Deno: any

// Settings: an optional .env file, overridden by the process environment; `--config FILE` for endpoints and aliases.
let dotenv: Record<string, string> = {}
try {
  dotenv = parseDotenv(Deno.readTextFileSync('.env'))
} catch {
  // no .env file
}
const env: Record<string, string> = { ...dotenv, ...Deno.env.toObject() }
const hostname = env.HOST || '127.0.0.1'
const port = Number(env.PORT || 8787)
const args: string[] = Deno.args
const at = args.findIndex((a) => a === '--config' || a.startsWith('--config='))
const configFile = at === -1 ? undefined : args[at]!.includes('=') ? args[at]!.slice('--config='.length) : args[at + 1]

function build() {
  try {
    const config = configFile ? parseConfigFile(Deno.readTextFileSync(configFile), configFile) : undefined
    // Single-user mode binds loopback only; multi-user mode needs client keys (src/access/start-check.ts).
    checkStart(env, config, hostname)
    // State (stored responses, the registry): files under STATE_DIR when set, else memory.
    const store = env.STATE_DIR ? new FileStore(env.STATE_DIR) : new MemoryStore()
    // Health, limits, usage and sessions: files under STATE_DIR/gateway-state when set, else memory.
    const state = env.STATE_DIR ? fileState(`${env.STATE_DIR}/${STATE_SUBDIR}`) : memoryState()
    // Wire capture: files under CAPTURE_DIR (else STATE_DIR/captures, else ./captures).
    return createApp({
      env, config, store: () => store, state: () => state,
      // The vendor CLIs' credentials files (subscription back ends); `~` is HOME.
      files: denoCredentialFiles(env.HOME || env.USERPROFILE),
      capture: (_env, s) => fileCaptures(captureDir(env, s.capture), s.capture, 'deno'),
      // Deno.serve hands each request's connection info as the env: the socket's peer.
      remoteAddress: (info: any) => info?.remoteAddr?.hostname,
      resolveHost: async (host: string) => {
        const found = await Promise.all(['A', 'AAAA'].map((t) => Deno.resolveDns(host, t).catch(() => [] as string[])))
        return found.flat()
      },
    })
  } catch (err) {
    console.error((err as Error).message)
    Deno.exit(1)
  }
}
const app = build()!

Deno.serve(
  { hostname, port, onListen: (addr: { port: number }) => console.log(`llm-gateway (deno) listening on http://${hostname}:${addr.port}`) },
  app.fetch,
)
