import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { encodeCapture } from '../capture/codec'
import type { CaptureRef, FoundCapture } from '../capture/reader'
import { resealRecords } from '../capture/scrub'
import { endpointDefinitionSchema } from '../endpoints/definition'
import { knownBackend } from '../gateway/diagnostics'
import type { Runtime } from '../gateway/runtime'
import { GatewayError } from '../hub/errors'
import { parseBody } from '../hub/validate'
import { constantTimeEqual } from '../http/client-auth'
import type { GatewayApp, GatewayEnv } from '../routes/types'
import { captureView } from './capture-view'
import { sameOrigin } from './same-origin'
import { adminCookieHeader, hasAdminCookie, issueAdminToken } from './session-cookie'
import { trafficEvents } from './traffic-events'
import { overview } from './overview-data'
import { usageCharts } from './usage-data'
import { CaptureMissing, CapturePage } from './views/capture'
import { LoginPage, OffPage } from './views/login'
import { OverviewPage } from './views/overview'
import { captureHref, TrafficPage } from './views/traffic'
import { UsagePage } from './views/usage'

export const ADMIN_PAGE_PATH = '/admin'
export const ADMIN_LOGIN_PATH = `${ADMIN_PAGE_PATH}/login`

/** The admin page's paths: they check the admin login themselves (no client key). */
export const isAdminPagePath = (path: string) => path === ADMIN_PAGE_PATH || path.startsWith(`${ADMIN_PAGE_PATH}/`)

/** A form post larger than this is refused (the forms hold a key, an id, a URL, a few model names). */
const MAX_FORM_BYTES = 64 * 1024

type C = Context<GatewayEnv>

/** A page: HTML, never cached, every secret the gateway holds removed (a URL or an error message may hold one). */
function page(c: C, node: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(c.var.rt.redactor.text(`<!doctype html>${String(node)}`), {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // The page's own inline style and script only; nothing from elsewhere; never framed.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      ...headers,
    },
  })
}

const redirect = (to: string, headers: Record<string, string> = {}) => new Response(null, { status: 303, headers: { location: to, 'cache-control': 'no-store', ...headers } })

/** A form body (application/x-www-form-urlencoded or multipart), bounded. */
async function formOf(c: C): Promise<Record<string, string>> {
  const length = Number(c.req.header('content-length') ?? 0)
  if (length > MAX_FORM_BYTES) throw new GatewayError('invalid_request', `The form is larger than ${MAX_FORM_BYTES} bytes.`)
  const form = await c.req.parseBody().catch(() => {
    throw new GatewayError('invalid_request', 'The request body is not a form.')
  })
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(form)) if (typeof v === 'string') out[k] = v
  return out
}

/** The admin page at /admin (README "Admin page"). */
export function adminPageRoutes(app: GatewayApp): void {
  // Off without ADMIN_API_KEY; logging in is the only thing that needs no login.
  app.use(`${ADMIN_PAGE_PATH}/*`, gate)
  app.use(ADMIN_PAGE_PATH, gate)

  app.post(ADMIN_LOGIN_PATH, async (c) => {
    const admin = c.var.rt.settings.adminKey!
    const given = (await formOf(c)).key ?? ''
    if (!given || !constantTimeEqual(given, admin)) {
      c.var.rt.log.warn('admin page: a login with a wrong key')
      return page(c, <LoginPage error="Wrong admin key." />, 401)
    }
    const url = new URL(c.req.url)
    return redirect(ADMIN_PAGE_PATH, { 'set-cookie': adminCookieHeader(url, await issueAdminToken(admin)) })
  })

  app.post(`${ADMIN_PAGE_PATH}/logout`, (c) => redirect(ADMIN_PAGE_PATH, { 'set-cookie': adminCookieHeader(new URL(c.req.url), undefined) }))

  app.get(ADMIN_PAGE_PATH, async (c) => {
    const done = c.req.query('done')
    return page(c, <OverviewPage data={await overview(c.var.rt)} flash={done ? doneMessage(done, c.req.query('id')) : undefined} />)
  })

  app.get(`${ADMIN_PAGE_PATH}/usage`, async (c) => {
    const days = Math.min(Math.max(Math.floor(Number(c.req.query('days') ?? 14)) || 14, 1), 90)
    return page(c, <UsagePage data={await usageCharts(c.var.rt, days)} />)
  })

  app.get(`${ADMIN_PAGE_PATH}/traffic`, (c) => page(c, <TrafficPage rows={c.var.rt.feed.latest(100)} capture={c.var.rt.captures !== undefined} />))

  app.get(`${ADMIN_PAGE_PATH}/events`, (c) =>
    trafficEvents(c.var.rt.feed, c.req.raw.signal, (row) => ({ ...row, capture: row.captured ? captureHref(row) : null })),
  )

  // One route for a capture's page (`/admin/capture/<id>`) and its file (`…/<id>.cbor`): two routes with
  // different patterns at the same place do not fit Hono's RegExpRouter, and its SmartRouter then routes
  // every request of every client through the slower TrieRouter.
  // (Which one is decided on the path as the router saw it, as it decided between the two routes.)
  app.get(`${ADMIN_PAGE_PATH}/capture/:ref{${CAPTURE_REF}}`, (c) => {
    const ref = c.req.param('ref')
    return CAPTURE_FILE.test(c.req.path.slice(CAPTURE_PREFIX.length)) ? captureFile(c, ref.slice(0, -'.cbor'.length)) : capturePage(c, ref)
  })

  app.post(`${ADMIN_PAGE_PATH}/backends/:backend/reactivate`, async (c) => {
    const rt = c.var.rt
    const backend = c.req.param('backend')
    if (!(await knownBackend(rt, backend))) return overviewWithError(c, `No back end "${backend}" is configured.`, 404)
    const n = await rt.state.health.reactivate(backend)
    rt.log.info(`admin page: reactivated ${n} key(s) of ${backend}`)
    return redirect(`${ADMIN_PAGE_PATH}?done=reactivated&id=${encodeURIComponent(backend)}#backend-${encodeURIComponent(backend)}`)
  })

  app.post(`${ADMIN_PAGE_PATH}/endpoints`, async (c) => {
    const rt = c.var.rt
    const form = await formOf(c)
    const definition: Record<string, unknown> = { id: form.id?.trim(), url: form.url?.trim() }
    if (form.provider?.trim()) definition.provider = form.provider.trim()
    if (form.key?.trim()) definition.key = form.key.trim()
    const models = (form.models ?? '').split(',').map((m) => m.trim()).filter(Boolean)
    if (models.length) definition.models = models
    try {
      const parsed = parseBody(endpointDefinitionSchema, definition)
      await rt.registry.put(parsed)
      rt.log.info(`admin page: registry endpoint ${parsed.id} added`)
      return redirect(`${ADMIN_PAGE_PATH}?done=added&id=${encodeURIComponent(parsed.id)}`)
    } catch (err) {
      if (!(err instanceof GatewayError || err instanceof Error)) throw err
      const { key: _key, ...kept } = form
      return overviewWithError(c, `Endpoint not added: ${err.message}`, 400, kept)
    }
  })

  app.post(`${ADMIN_PAGE_PATH}/endpoints/:id/delete`, async (c) => {
    const rt = c.var.rt
    const id = c.req.param('id')
    if (!rt.registry.has(id)) {
      const other = rt.endpoints.get(id)
      return overviewWithError(c, other?.configured ? `Endpoint "${id}" comes from ${other.source}, not the registry; remove it there.` : `No registry endpoint "${id}".`, 404)
    }
    await rt.registry.remove(id)
    rt.log.info(`admin page: registry endpoint ${id} removed`)
    return redirect(`${ADMIN_PAGE_PATH}?done=removed&id=${encodeURIComponent(id)}`)
  })
}

/**
 * An exchange's capture, found from the traffic row's ref (the link's query: start time and session; else the
 * feed's row while it still holds it), or the page saying why there is none (404).
 */
async function findCapture(c: C, id: string): Promise<{ found: FoundCapture; ref: CaptureRef } | Response> {
  const rt = c.var.rt
  const reader = rt.captures
  if (!reader) return page(c, <CaptureMissing message="Capture is off on this gateway (CAPTURE), so there is nothing to show." />, 404)
  const row = rt.feed.latest().find((r) => r.id === id)
  const at = Number(c.req.query('at') ?? row?.at)
  if (!Number.isFinite(at)) return page(c, <CaptureMissing message={`Exchange ${id} is no longer in the traffic feed; open it from its link.`} />, 404)
  const session = c.req.query('session') ?? row?.session
  const ref: CaptureRef = session ? { exchange: id, at, session } : { exchange: id, at }
  const found = await reader.exchange(ref)
  if (!found?.records.length) return page(c, <CaptureMissing message={`No capture of exchange ${id} is kept (capture was off for it, or it was rotated away).`} />, 404)
  return { found, ref }
}

/** The download of one exchange's capture (its ref in the query, like the page's link). */
function captureFileHref(ref: CaptureRef): string {
  const q = new URLSearchParams({ at: String(ref.at) })
  if (ref.session) q.set('session', ref.session)
  return `${ADMIN_PAGE_PATH}/capture/${encodeURIComponent(ref.exchange)}.cbor?${q}`
}

async function overviewWithError(c: C, error: string, status: number, form?: Record<string, string>): Promise<Response> {
  return page(c, <OverviewPage data={await overview(c.var.rt)} error={error} form={form} />, status)
}

function doneMessage(done: string, id = ''): string | undefined {
  if (done === 'reactivated') return `Reactivated the keys of ${id}.`
  if (done === 'added') return `Added registry endpoint ${id}.`
  if (done === 'removed') return `Removed registry endpoint ${id}.`
  return undefined
}

/**
 * Every /admin request: the page is off without ADMIN_API_KEY; a form post must come from this page
 * (its Origin, or Referer, names this host: with SameSite=Strict, the defence against cross-site
 * requests); everything but the login needs the login cookie (else the login form, 401).
 */
const gate = createMiddleware<GatewayEnv>(async (c, next) => {
  const rt = c.var.rt
  if (!rt.settings.adminKey) return page(c, <OffPage />, 403)
  const url = new URL(c.req.url)
  if (c.req.method === 'POST' && !sameOrigin(c.req.raw, url)) {
    rt.log.warn('admin page: a form post from another origin refused')
    return page(c, <LoginPage error="This form was not sent from this admin page (its Origin does not match); log in again." />, 403)
  }
  if (c.req.method === 'POST' && url.pathname === ADMIN_LOGIN_PATH) return next()
  if (!(await hasAdminCookie(c.req.raw, rt.settings.adminKey))) {
    // The live tail's EventSource gets a plain 401 (it retries until a login).
    if (url.pathname === `${ADMIN_PAGE_PATH}/events`) return new Response('login needed\n', { status: 401, headers: { 'content-type': 'text/plain' } })
    return page(c, <LoginPage />, url.pathname === ADMIN_PAGE_PATH && c.req.method === 'GET' ? 200 : 401)
  }
  await next()
})

/** `/admin/capture/<ref>`: a capture's file (`<id>.cbor`, any path) or its page (`<id>`, one segment), as the two routes were. */
const CAPTURE_PREFIX = `${ADMIN_PAGE_PATH}/capture/`
const CAPTURE_REF = '.+\\.cbor|[^/]+'
const CAPTURE_FILE = /^.+\.cbor$/

/** One exchange as a capture file of its own (header and records: what `npm run capture` reads), so a capture kept in R2 can be read offline without listing the bucket. */
async function captureFile(c: C, id: string): Promise<Response> {
  const got = await findCapture(c, id)
  if (got instanceof Response) return got
  const { found } = got
  // Its secrets were removed when it was written; removed again for keys the gateway holds now (the page's text is too).
  const bytes = encodeCapture(found.runtime, found.records[0]!.ts, resealRecords(found.records, c.var.rt.redactor))
  return new Response(bytes, {
    headers: {
      'content-type': 'application/cbor-seq',
      'content-disposition': `attachment; filename="${id.replace(/[^\w.-]/g, '_')}.cbor"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  })
}

async function capturePage(c: C, id: string): Promise<Response> {
  const got = await findCapture(c, id)
  if (got instanceof Response) return got
  return page(c, <CapturePage view={captureView(id, got.found.records)} found={got.found} download={captureFileHref(got.ref)} />)
}
