import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startScriptedUpstream, type ScriptedUpstream } from '../integration/scripted-upstream'
import { launchChromium } from './chromium'
import { freePort, launch, stop } from './launch'

/**
 * The admin page in headless Chromium on `npm start` (wrangler dev: the Worker in workerd, its state in
 * Durable Objects, captures in its local R2; all kept in a temporary --persist-to): log in, see an OpenAI
 * SDK request appear in the live tail, open its capture from the row (then again once its batch is in R2),
 * reactivate a key the scripted upstream refused with a 401.
 */
const ADMIN = 'admin-key-wrangler-browser'
const CLIENT = 'client-key-wrangler-browser'
const K1 = 'sk-openai-wrangler-first-0001'
const K2 = 'sk-openai-wrangler-second-0002'
const scope = `wb${Date.now().toString(36)}`
let up: ScriptedUpstream
let browser: Browser
let persist: string
beforeAll(async () => {
  up = await startScriptedUpstream()
  browser = await launchChromium()
  persist = mkdtempSync(join(tmpdir(), 'gw-wrangler-browser-'))
})
afterAll(async () => {
  await browser?.close()
  await up?.close()
  if (persist) rmSync(persist, { recursive: true, force: true })
})

describe('admin page in Chromium (npm start: wrangler dev)', () => {
  it('logs in, tails a live request, opens its capture, reactivates a retired key', { timeout: 90_000 }, async () => {
    up.script([{ key: K1, times: 1, action: { do: 'status', status: 401 } }], scope)
    const vars = {
      ADMIN_API_KEY: ADMIN,
      PROXY_API_KEYS: CLIENT,
      OPENAI_API_KEY: `${K1},${K2}`,
      OPENAI_BASE_URL: up.baseFor(scope, '/v1'),
      CAPTURE: 'on',
      CAPTURE_FLUSH_MS: '100',
      LOG_LEVEL: 'silent',
      LLM_PROXY_LOCAL_DISCOVERY: '0',
    }
    const { url, child } = await launch('start', ['--port', String(await freePort()), '--persist-to', persist, ...Object.entries(vars).map(([k, v]) => `--var ${k}:${v}`)])
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    try {
      const page = await context.newPage()
      await page.goto(`${url}/admin`)
      await page.fill('input[name=key]', ADMIN)
      await Promise.all([page.waitForURL(`${url}/admin`), page.click('button[type=submit]')])
      await expect(page.locator('tr[data-endpoint=openai]').count()).resolves.toBe(1)
      const cookies = await context.cookies()
      expect(cookies[0]).toMatchObject({ name: 'gateway_admin', httpOnly: true, sameSite: 'Strict', path: '/admin' })
      expect(cookies[0]!.value).not.toContain(ADMIN)

      await page.goto(`${url}/admin/traffic`)
      await page.locator('#tail-state', { hasText: 'live' }).waitFor()
      const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT, maxRetries: 0 })
      const { response } = await openai.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: 'live tail on workers' }] }).withResponse()
      const id = response.headers.get('x-request-id')!
      const firstAttempts = up.requests(scope).length
      const row = page.locator(`#traffic-rows tr[data-id="${id}"]`)
      await row.waitFor()
      await expect(row.textContent()).resolves.toContain('openai-chat → openai:gpt-4.1200')
      await page.screenshot({ path: 'test-results/admin-wrangler-traffic.png', fullPage: true })

      for (let i = 1; i < 20 && !up.requests(scope).some((q) => q.key === K1); i++)
        await openai.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: `conversation ${i}` }] })
      expect(up.requests(scope).some((q) => q.key === K1 && q.action === 'status 401')).toBe(true)

      // The first request's capture, opened from its row in the tail: the four legs (two upstream ones per
      // attempt: its session may have landed on the refused key first), the answer shown as text.
      await Promise.all([page.waitForURL(/\/admin\/capture\//), row.locator('a', { hasText: 'capture' }).click()])
      const upstreamLegs = Array.from({ length: firstAttempts }, () => ['upstream-request', 'upstream-response']).flat()
      const legs = () => page.locator('section.leg').evaluateAll((els) => els.map((e) => e.getAttribute('data-leg')))
      expect(await legs()).toEqual(['client-request', ...upstreamLegs, 'client-response'])
      await expect(page.locator('section.leg[data-leg=client-request] pre.body').textContent()).resolves.toContain('live tail on workers')
      await expect(page.locator('section.leg[data-leg=client-response] pre.body').textContent()).resolves.toContain('Hello from openai!')
      // Read back from R2 once its batch is written (before, from the Worker's batch in memory): the page names the object.
      await expect
        .poll(async () => (await page.reload(), await page.locator('#capture-source code[data-source]').count()), { timeout: 15_000, interval: 200 })
        .toBe(1)
      await expect(page.locator('#capture-source code[data-source]').getAttribute('data-source')).resolves.toMatch(/^captures\/\d{4}-\d{2}-\d{2}\/[\w.-]+\/\d{13}-[0-9a-z]+\.cbor$/)
      expect(await legs()).toEqual(['client-request', ...upstreamLegs, 'client-response'])
      await page.screenshot({ path: 'test-results/admin-wrangler-capture.png', fullPage: true })

      await page.goto(`${url}/admin`)
      await expect(page.locator('#backend-openai tr[data-key-state=disabled]').count()).resolves.toBe(1)
      await Promise.all([page.waitForURL(/done=reactivated/), page.locator('#backend-openai button[name=reactivate]').click()])
      await expect(page.locator('#backend-openai tr[data-key-state=disabled]').count()).resolves.toBe(0)
      await expect(page.locator('#backend-openai tr[data-key-state=active]').count()).resolves.toBe(2)
      await page.screenshot({ path: 'test-results/admin-wrangler.png', fullPage: true })
    } finally {
      await context.close()
      await stop(child)
    }
  })
})
