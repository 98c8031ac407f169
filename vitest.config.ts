import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        // Codecs, routing, settings, and the SDK suite against the Node adapter.
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/workers/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The same SDK suite, with the gateway running inside workerd.
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './src/index.ts',
            miniflare: {
              compatibilityDate: '2026-04-01',
              // (enable_request_signal as in wrangler.toml: a client that leaves aborts request.signal.)
              compatibilityFlags: ['nodejs_compat', 'enable_request_signal'],
              kvNamespaces: ['STATE'],
              // Wire capture's bucket (wrangler.toml): test/workers/capture.test.ts reads what requests left in it.
              r2Buckets: ['CAPTURE_BUCKET'],
              // The Durable Objects of wrangler.toml (src/state/durable/), SQLite-backed as there.
              durableObjects: {
                GATEWAY_HEALTH: { className: 'BackendHealthObject', useSQLite: true },
                GATEWAY_LIMITS: { className: 'ClientLimitsObject', useSQLite: true },
                GATEWAY_USAGE: { className: 'UsageLedgerObject', useSQLite: true },
                GATEWAY_SESSIONS: { className: 'SessionObject', useSQLite: true },
                GATEWAY_DIRECTORY: { className: 'StateDirectoryObject', useSQLite: true },
              },
              // The Worker entry's own bindings, pointing at the fake upstream (test/workers/global-setup.ts).
              bindings: {
                LOG_LEVEL: 'silent',
                PROXY_API_KEYS: 'worker-client-key',
                ADMIN_API_KEY: 'worker-admin-key',
                LLM_PROXY_LOCAL_DISCOVERY: '0',
                ANTHROPIC_API_KEY: 'sk-ant-worker',
                ANTHROPIC_BASE_URL: `${inject('upstreamUrl')}/t/worker-entry`,
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          globalSetup: ['test/workers/global-setup.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
})
