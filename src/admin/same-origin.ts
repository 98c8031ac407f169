/**
 * Whether a form post comes from this site: its Origin (sent by browsers on every POST) names this host,
 * or, without one, its Referer does. The scheme is not compared: behind a TLS-terminating proxy the
 * gateway sees http while the browser says https. No Origin and no Referer: refused.
 */
export function sameOrigin(req: Request, url: URL): boolean {
  const from = req.headers.get('origin') ?? req.headers.get('referer')
  if (!from || from === 'null') return false
  try {
    return new URL(from).host === url.host
  } catch {
    return false
  }
}
