// deno-lint-ignore-file no-explicit-any
import { createApp } from '../src/app.ts'
import { parseDotenv } from '../src/config/dotenv.ts'

declare const Deno: any

// Settings: an optional .env file, overridden by the process environment.
let dotenv: Record<string, string> = {}
try {
  dotenv = parseDotenv(Deno.readTextFileSync('.env'))
} catch {
  // no .env file
}
const env: Record<string, string> = { ...dotenv, ...Deno.env.toObject() }
const hostname = env.HOST || '127.0.0.1'
const port = Number(env.PORT || 8787)

function build() {
  try {
    return createApp({ env })
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
