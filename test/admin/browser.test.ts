import { copyFileSync, mkdirSync } from 'node:fs'
import OpenAI from 'openai'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Runtime } from '../../src/gateway/runtime'
import { ADMIN, CLIENT, OPENAI_KEYS, rig, type Rig } from '../integration/resilience-harness'
import { startScriptedUpstream, type ScriptedUpstream } from '../integration/scripted-upstream'
import { launchChromium } from './chromium'
import { exchangeRecords, HOSTILE, MemoryCaptures } from './memory-captures'

/**
 * The admin page in a real headless Chromium (Debian's package, driven by playwright-core) against the
 * Node adapter's gateway (startGateway) and the scripted fake upstream: log in through the form, watch a
 * request made with the OpenAI SDK appear in the live tail, open its capture, reactivate a key the
 * upstream refused, add and remove a registry endpoint, and save screenshots (test-results/).
 *
 * Capture: the capture writer is another part of the gateway; here every exchange the feed hears of gets
 * four legs of records in an in-memory CaptureReader (encoded and decoded with the capture codec), set on
 * the runtime as `rt.captures`, the way the writer does.
 */
const hooks = vi.hoisted(() => ({ onRuntime: (_rt: unknown) => {} }))
vi.mock('../../src/gateway/runtime', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/gateway/runtime')>()
  return {
    ...real,
    createRuntime: (o: Parameters<typeof real.createRuntime>[0]) => {
      const rt = real.createRuntime(o)
      hooks.onRuntime(rt)
      return rt
    },
  }
})

const [K1, K2] = OPENAI_KEYS as [string, string]
const captures = new MemoryCaptures()
let runtime: Runtime | undefined
let up: ScriptedUpstream
let r: Rig
let browser: Browser

beforeAll(async () => {
  hooks.onRuntime = (value) => {
    const rt = value as Runtime & { captures?: MemoryCaptures }
    runtime = rt
    rt.captures = captures
    const push = rt.feed.push.bind(rt.feed)
    rt.feed.push = (row) => {
      captures.add(exchangeRecords(row))
      push({ ...row, captured: true })
    }
  }
  up = await startScriptedUpstream()
  r = await rig(up)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await r?.gw.close()
  await up?.close()
})

describe('admin page in Chromium (Node adapter)', () => {
  it('logs in, tails a live request, opens its capture, reactivates a retired key, edits the registry', { timeout: 60_000 }, async () => {
    // The first call on the first key is refused with a 401: the key is retired, the call goes on with the second.
    up.script([{ key: K1, times: 1, action: { do: 'status', status: 401 } }], r.scope)
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const dialogs: string[] = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    mkdirSync('test-results', { recursive: true })

    // Not logged in: the login form. A wrong key: the form again, with an error, 401.
    await page.goto(`${r.gw.url}/admin`)
    await expect(page.locator('input[name=key]').count()).resolves.toBe(1)
    await page.fill('input[name=key]', 'not-the-admin-key')
    const [wrong] = await Promise.all([page.waitForResponse((res) => res.url().endsWith('/admin/login')), page.click('button[type=submit]')])
    expect(wrong.status()).toBe(401)
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('Wrong admin key')
    expect(page.url()).not.toContain('not-the-admin-key')

    // The right key: the overview, and a cookie that is not the key (HttpOnly, SameSite=Strict, Path=/admin; no Secure on loopback).
    await page.fill('input[name=key]', ADMIN)
    await Promise.all([page.waitForURL(`${r.gw.url}/admin`), page.click('button[type=submit]')])
    await expect(page.locator('h2', { hasText: 'Endpoints' }).count()).resolves.toBe(1)
    const cookies = await context.cookies()
    expect(cookies).toHaveLength(1)
    expect(cookies[0]).toMatchObject({ name: 'gateway_admin', httpOnly: true, sameSite: 'Strict', path: '/admin', secure: false })
    expect(cookies[0]!.value).not.toContain(ADMIN)
    expect(page.url()).not.toContain(ADMIN)

    // The traffic page's live tail: a request made now with the OpenAI SDK appears without a reload.
    await page.goto(`${r.gw.url}/admin/traffic`)
    await page.locator('#tail-state', { hasText: 'live' }).waitFor()
    expect(runtime!.feed.listening).toBe(1)
    const openai = new OpenAI({ baseURL: `${r.gw.url}/v1`, apiKey: CLIENT, maxRetries: 0 })
    const { data: stream, response } = await openai.chat.completions
      .create({ model: 'openai:gpt-4.1', stream: true, messages: [{ role: 'user', content: 'live tail 0' }] })
      .withResponse()
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text).toBeTruthy()
    const id = response.headers.get('x-request-id')!
    expect(id).toBeTruthy()
    const row = page.locator(`#traffic-rows tr[data-id="${id}"]`)
    await row.waitFor()
    await expect(row.textContent()).resolves.toMatch(/openai-chat → openai:gpt-4\.1 \(stream\)200/)
    await page.screenshot({ path: 'test-results/admin-tail.png', fullPage: true })

    // More conversations until one lands on the first key (sessions are spread over the keys), which the upstream refuses.
    for (let i = 1; i < 20 && !up.requests(r.scope).some((q) => q.key === K1); i++)
      await openai.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: `conversation ${i}` }] })
    expect(up.requests(r.scope).some((q) => q.key === K1 && q.action === 'status 401')).toBe(true)

    // Its capture, opened from the row: the four legs, the stream put back together, captured text shown as text.
    await Promise.all([page.waitForURL(/\/admin\/capture\//), row.locator('a', { hasText: 'capture' }).click()])
    const legs = await page.locator('section.leg').evaluateAll((els) => els.map((e) => e.getAttribute('data-leg')))
    expect(legs).toEqual(['client-request', 'upstream-request', 'upstream-response', 'client-response'])
    await expect(page.locator('section.leg[data-leg=client-response] pre.body').textContent()).resolves.toContain('"content":"Hello"')
    await expect(page.locator('section.leg[data-leg=client-response] h3', { hasText: 'stream chunks' }).textContent()).resolves.toContain('4 stream chunks')
    await expect(page.locator('section.leg[data-leg=client-request] pre.body').textContent()).resolves.toContain(HOSTILE.replace(/"/g, '\\"'))
    expect(await page.locator('img[src=x]').count()).toBe(0)
    expect(await page.title()).not.toBe('pwned')
    expect(captures.asked.at(-1)).toMatchObject({ exchange: id })

    // Traffic through translation, and one the upstream fails: the usage charts count every exchange.
    up.script([{ model: 'gpt-4.1-mini', action: { do: 'status', status: 400, message: 'This model is not available to you.' } }], r.scope)
    for (const model of ['anthropic:claude-sonnet-4-5', 'gemini:gemini-2.5-flash', 'openai:gpt-4.1-mini']) {
      const res = await r.post('/v1/chat/completions', { model, messages: [{ role: 'user', content: `to ${model}` }] })
      await res.arrayBuffer()
      expect(res.status).toBe(model.endsWith('mini') ? 400 : 200)
    }
    // A session with an override set by a command (answered by the gateway itself), then a request in it.
    const session = new OpenAI({ baseURL: `${r.gw.url}/v1`, apiKey: CLIENT, maxRetries: 0, defaultHeaders: { 'x-session-id': 'admin-browser-session' } })
    await session.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: '!/set(temperature=0.25)' }] })
    await session.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: 'write a poem' }] })

    // The overview: the refused key retired; the reactivate button brings it back.
    await page.goto(`${r.gw.url}/admin`)
    const openaiKeys = page.locator('#backend-openai')
    await expect(openaiKeys.locator('tr[data-key-state=disabled]').count()).resolves.toBe(1)
    await expect(openaiKeys.locator('tr[data-key-state=disabled]').textContent()).resolves.toContain(K1.slice(-4))
    await expect(page.locator('tr[data-endpoint=openai]').textContent()).resolves.toContain('1 key retired')
    await expect(page.locator('#sessions').textContent()).resolves.toContain('temperature=0.25')
    // The screenshot (the README's, docs/admin.png, when ADMIN_SCREENSHOT_DOCS=1).
    await page.screenshot({ path: 'test-results/admin.png', fullPage: true })
    if (process.env.ADMIN_SCREENSHOT_DOCS === '1') copyFileSync('test-results/admin.png', 'docs/admin.png')
    await Promise.all([page.waitForURL(/done=reactivated/), openaiKeys.locator('button[name=reactivate]').click()])
    await expect(page.locator('[role=status]').textContent()).resolves.toContain('Reactivated the keys of openai')
    await expect(page.locator('#backend-openai tr[data-key-state=disabled]').count()).resolves.toBe(0)
    await expect(page.locator('#backend-openai tr[data-key-state=active]').count()).resolves.toBe(2)
    expect(page.url()).not.toContain(K2)

    // Add a registry endpoint through the form, then remove it.
    await page.fill('#add-endpoint input[name=id]', 'box')
    await page.fill('#add-endpoint input[name=url]', up.baseFor(r.scope, '/v1'))
    await page.fill('#add-endpoint input[name=models]', 'box-model-1, box-model-2')
    await Promise.all([page.waitForURL(/done=added/), page.click('#add-endpoint button[type=submit]')])
    await expect(page.locator('tr[data-endpoint=box]').textContent()).resolves.toMatch(/boxregistry/)
    await Promise.all([page.waitForURL(/done=removed/), page.locator('tr[data-endpoint=box] button', { hasText: 'Remove' }).click()])
    await expect(page.locator('tr[data-endpoint=box]').count()).resolves.toBe(0)

    // The usage charts count every exchange.
    const exchanges = runtime!.feed.latest().length
    expect(exchanges).toBeGreaterThanOrEqual(4)
    await page.goto(`${r.gw.url}/admin/usage`)
    expect(Number(await page.locator('#requests-per-hour svg').getAttribute('data-total'))).toBe(exchanges)
    await expect(page.locator('figure', { hasText: 'Tokens by model' }).locator('svg').textContent()).resolves.toContain('anthropic:claude-sonnet-4-5')
    await page.screenshot({ path: 'test-results/admin-usage.png', fullPage: true })

    // Logging out ends the session: the pages ask for the login again.
    await Promise.all([page.waitForURL(`${r.gw.url}/admin`), page.click('header button[type=submit]')])
    await expect(page.locator('input[name=key]').count()).resolves.toBe(1)
    expect(await context.cookies()).toHaveLength(0)
    expect(dialogs).toEqual([])

    // The live tail stops listening once the browser goes.
    await context.close()
    await vi.waitFor(() => expect(runtime!.feed.listening).toBe(0), { timeout: 5_000, interval: 20 })
  })
})
