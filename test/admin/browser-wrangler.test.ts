import OpenAI from 'openai'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startScriptedUpstream, type ScriptedUpstream } from '../integration/scripted-upstream'
import { launchChromium } from './chromium'
import { freePort, launch, stop } from './launch'

/**
 * The admin page in headless Chromium on `npm start` (wrangler dev: the Worker in workerd, its state in
 * Durable Objects): log in, see an OpenAI SDK request appear in the live tail, reactivate a key the
 * scripted upstream refused with a 401.
 */
const ADMIN = 'admin-key-wrangler-browser'
const CLIENT = 'client-key-wrangler-browser'
const K1 = 'sk-openai-wrangler-first-0001'
const K2 = 'sk-openai-wrangler-second-0002'
const scope = `wb${Date.now().toString(36)}`
let up: ScriptedUpstream
let browser: Browser
beforeAll(async () => {
  up = await startScriptedUpstream()
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await up?.close()
})

describe('admin page in Chromium (npm start: wrangler dev)', () => {
  it('logs in, tails a live request, reactivates a retired key', { timeout: 90_000 }, async () => {
    up.script([{ key: K1, times: 1, action: { do: 'status', status: 401 } }], scope)
    const vars = { ADMIN_API_KEY: ADMIN, PROXY_API_KEYS: CLIENT, OPENAI_API_KEY: `${K1},${K2}`, OPENAI_BASE_URL: up.baseFor(scope, '/v1'), LOG_LEVEL: 'silent', LLM_PROXY_LOCAL_DISCOVERY: '0' }
    const { url, child } = await launch('start', ['--port', String(await freePort()), ...Object.entries(vars).map(([k, v]) => `--var ${k}:${v}`)])
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
      await page.locator(`#traffic-rows tr[data-id="${id}"]`).waitFor()
      await expect(page.locator(`#traffic-rows tr[data-id="${id}"]`).textContent()).resolves.toContain('openai-chat → openai:gpt-4.1200')
      await page.screenshot({ path: 'test-results/admin-wrangler-traffic.png', fullPage: true })

      for (let i = 1; i < 20 && !up.requests(scope).some((q) => q.key === K1); i++)
        await openai.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: `conversation ${i}` }] })
      expect(up.requests(scope).some((q) => q.key === K1 && q.action === 'status 401')).toBe(true)

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
