import { existsSync, readFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { createApp } from '../src/app'
import { parseDotenv } from '../src/config/dotenv'

// Settings: an optional .env file, overridden by the process environment.
const env = { ...(existsSync('.env') ? parseDotenv(readFileSync('.env', 'utf8')) : {}), ...process.env }
const hostname = env.HOST || '127.0.0.1'
const port = Number(env.PORT || 8787)

function build() {
  try {
    return createApp({ env })
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
}
const app = build()

const server = serve({ fetch: app.fetch, hostname, port }, (info) => {
  console.log(`llm-gateway (node) listening on http://${hostname}:${info.port}`)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)))
