import { describe, expect, it } from 'vitest'
import {
  ADMIN_COOKIE, adminCookieHeader, cookieValue, hasAdminCookie, issueAdminToken, verifyAdminToken,
} from '../../src/admin/session-cookie'

const ADMIN = 'admin-secret-key-0123'

describe('admin login cookie', () => {
  it('is a signed expiry, not the key, and verifies under the same key only', async () => {
    const token = await issueAdminToken(ADMIN)
    expect(token).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{43}$/)
    expect(token).not.toContain(ADMIN)
    expect(await verifyAdminToken(ADMIN, token)).toBe(true)
    expect(await verifyAdminToken('another-admin-key-999', token)).toBe(false)
  })

  it('expires', async () => {
    const now = Date.UTC(2026, 0, 1)
    const token = await issueAdminToken(ADMIN, now, 60)
    expect(await verifyAdminToken(ADMIN, token, now + 59_000)).toBe(true)
    expect(await verifyAdminToken(ADMIN, token, now + 60_000)).toBe(false)
  })

  it('refuses a changed expiry, a changed signature and anything else', async () => {
    const token = await issueAdminToken(ADMIN)
    const [v, exp, sig] = token.split('.') as [string, string, string]
    expect(await verifyAdminToken(ADMIN, `${v}.${Number(exp) + 3600}.${sig}`)).toBe(false)
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A')
    expect(await verifyAdminToken(ADMIN, `${v}.${exp}.${flipped}`)).toBe(false)
    for (const bad of ['', ADMIN, 'v1..', `v2.${exp}.${sig}`, `${token}x`]) expect(await verifyAdminToken(ADMIN, bad)).toBe(false)
  })

  it('hasAdminCookie reads it from the Cookie header, among others; false without ADMIN_API_KEY', async () => {
    const token = await issueAdminToken(ADMIN)
    const req = new Request('http://gw.test/metrics', { headers: { cookie: `a=1; ${ADMIN_COOKIE}=${token}; b=2` } })
    expect(await hasAdminCookie(req, ADMIN)).toBe(true)
    expect(await hasAdminCookie(req, undefined)).toBe(false)
    expect(await hasAdminCookie(new Request('http://gw.test/metrics'), ADMIN)).toBe(false)
    expect(cookieValue('x=1;  y = 2 ', 'y')).toBe('2')
  })

  it('is HttpOnly, SameSite=Strict, Path=/admin, and Secure unless the host is loopback', () => {
    const remote = adminCookieHeader(new URL('https://gw.example/admin/login'), 'tok')
    expect(remote.split('; ')).toEqual(expect.arrayContaining([`${ADMIN_COOKIE}=tok`, 'HttpOnly', 'SameSite=Strict', 'Path=/admin', 'Secure']))
    for (const host of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787'])
      expect(adminCookieHeader(new URL(`http://${host}/admin/login`), 'tok')).not.toContain('Secure')
    expect(adminCookieHeader(new URL('http://gw.example/admin/logout'), undefined)).toContain('Max-Age=0')
  })
})
