import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { decodeCapture } from '../../src/capture/codec'
import type { Runtime } from '../../src/gateway/runtime'
import { secretForms } from '../../src/security/redactor'
import { ADMIN, ANTHROPIC_KEY, CLIENT, GEMINI_KEY, OPENAI_KEYS, rig, type Rig } from '../integration/resilience-harness'
import { startScriptedUpstream, type ScriptedUpstream } from '../integration/scripted-upstream'
import { launchChromium } from './chromium'

/**
 * The admin page in a real headless Chromium (Debian's package, driven by playwright-core) against the
 * Node adapter's gateway (startGateway) with capture on (CAPTURE=on, files in a temporary CAPTURE_DIR) and
 * the scripted fake upstream: log in through the form, watch a request made with the OpenAI SDK appear in
 * the live tail, open the capture the writer wrote for it and download it, reactivate a key the upstream
 * refused, add and remove a registry endpoint, and save screenshots (test-results/).
 *
 * The runtime is caught as the gateway makes it, only to read its traffic feed (the live tail's listeners,
 * the exchanges the usage chart must count).
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

/** Text in a prompt that would run if the page did not escape what it shows. */
const HOSTILE = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'

const [K1, K2] = OPENAI_KEYS as [string, string]
let runtime: Runtime | undefined
let up: ScriptedUpstream
let r: Rig
let browser: Browser
let captureDir: string

beforeAll(async () => {
  hooks.onRuntime = (value) => void (runtime = value as Runtime)
  captureDir = mkdtempSync(join(tmpdir(), 'gw-admin-captures-'))
  up = await startScriptedUpstream()
  r = await rig(up, { CAPTURE: 'on', CAPTURE_DIR: captureDir })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await r?.gw.close()
  await up?.close()
  if (captureDir) rmSync(captureDir, { recursive: true, force: true })
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
      .create({ model: 'openai:gpt-4.1', stream: true, messages: [{ role: 'user', content: `live tail 0 ${HOSTILE}` }] })
      .withResponse()
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text).toBeTruthy()
    const id = response.headers.get('x-request-id')!
    expect(id).toBeTruthy()
    const firstAttempts = up.requests(r.scope).length
    const row = page.locator(`#traffic-rows tr[data-id="${id}"]`)
    await row.waitFor()
    await expect(row.textContent()).resolves.toMatch(/openai-chat → openai:gpt-4\.1 \(stream\)200/)
    await page.screenshot({ path: 'test-results/admin-tail.png', fullPage: true })

    // More conversations until one lands on the first key (sessions are spread over the keys), which the upstream refuses.
    for (let i = 1; i < 20 && !up.requests(r.scope).some((q) => q.key === K1); i++)
      await openai.chat.completions.create({ model: 'openai:gpt-4.1', messages: [{ role: 'user', content: `conversation ${i}` }] })
    expect(up.requests(r.scope).some((q) => q.key === K1 && q.action === 'status 401')).toBe(true)

    // Its capture, as the writer wrote it, opened from the row: the four legs, the stream put back together,
    // captured text shown as text.
    await Promise.all([page.waitForURL(/\/admin\/capture\//), row.locator('a', { hasText: 'capture' }).click()])
    // (Its session may have landed on the first key, refused once: then two attempts, the second on the other key.)
    const legs = await page.locator('section.leg').evaluateAll((els) => els.map((e) => e.getAttribute('data-leg')))
    const upstreamLegs = Array.from({ length: firstAttempts }, () => ['upstream-request', 'upstream-response']).flat()
    expect(legs).toEqual(['client-request', ...upstreamLegs, 'client-response'])
    for (const leg of ['upstream-response', 'client-response']) {
      await expect(page.locator(`section.leg[data-leg=${leg}] pre.body`).last().textContent()).resolves.toContain('"content":"Hell"')
      await expect(page.locator(`section.leg[data-leg=${leg}] h3`, { hasText: 'stream chunks' }).last().textContent()).resolves.toMatch(/\(\d+ stream chunks, reassembled\)/)
    }
    await expect(page.locator('section.leg[data-leg=upstream-request]').last().textContent()).resolves.toContain(`…${K2.slice(-4)}`)
    await expect(page.locator('section.leg[data-leg=client-request] pre.body').textContent()).resolves.toContain(HOSTILE.replace(/"/g, '\\"'))
    expect(await page.locator('img[src=x]').count()).toBe(0)
    expect(await page.title()).not.toBe('pwned')
    // Kept in a capture file under CAPTURE_DIR; the page's download is that exchange alone, with no key in it.
    await expect(page.locator('#capture-source code[data-source]').getAttribute('data-source')).resolves.toMatch(new RegExp(`^${captureDir}/capture-\\d{13}-[0-9a-z]{4}\\.cbor$`))
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#capture-source a', { hasText: 'Download' }).click()])
    expect(download.suggestedFilename()).toBe(`${id}.cbor`)
    await download.saveAs(join(captureDir, 'downloaded.cbor'))
    const downloaded = readFileSync(join(captureDir, 'downloaded.cbor'))
    const file = decodeCapture(downloaded)
    expect(file.header).toMatchObject({ format: 'llm-gateway-capture', runtime: 'node' })
    expect(new Set(file.records.map((x) => x.exchange))).toEqual(new Set([id]))
    for (const key of [ADMIN, CLIENT, ...OPENAI_KEYS, ANTHROPIC_KEY, GEMINI_KEY]) for (const form of secretForms(key)) expect(downloaded.toString('latin1')).not.toContain(form)
    await page.screenshot({ path: 'test-results/admin-capture.png', fullPage: true })

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
