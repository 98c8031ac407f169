import { createMiddleware } from 'hono/factory'
import type { GatewayEnv } from '../routes/types'

/** An exchange's ids: the gateway's own (unique; captures and traffic rows use it) and the one sent back in `x-request-id`. */
export interface RequestIds {
  id: string
  /** The client's own `x-request-id` when it sent a sane one (≤128 of `[\w.:@/+=-]`), else `id`. */
  requestId: string
}

const SANE = /^[\w.:@/+=-]{1,128}$/
let counter = 0

/** A new gateway id: time, then a counter and randomness (sortable by time within one process). */
export function newExchangeId(now = Date.now()): string {
  counter = (counter + 1) & 0xffff
  const random = Math.floor(Math.random() * 0x100000000)
  return `req_${now.toString(36)}${counter.toString(36).padStart(4, '0')}${random.toString(36).padStart(7, '0')}`
}

export function requestIds(headers: Headers): RequestIds {
  const id = newExchangeId()
  const given = headers.get('x-request-id')
  return { id, requestId: given && SANE.test(given) ? given : id }
}

/** Answers built with `x-request-id` already in their header init, and its value there. */
const carrying = new WeakMap<Response, string>()

/**
 * An answer that carries `x-request-id` in the plain headers it was built with: the first middleware
 * leaves it as it is. Setting the header afterwards makes @hono/node-server's lightweight Response
 * build a Web Headers object (and the adapter convert it back) for every answer.
 */
export function carriesRequestId(res: Response, requestId: string): Response {
  carrying.set(res, requestId)
  return res
}

/** Sets a header on the answer; a response with immutable headers (one fetched as it is) is copied first. */
export function withHeader(c: { res: Response }, name: string, value: string): void {
  try {
    c.res.headers.set(name, value)
  } catch {
    const res = new Response(c.res.body, c.res)
    res.headers.set(name, value)
    c.res = res
  }
}

/**
 * The app's first middleware: the exchange's ids (`c.var.ids`), and `x-request-id` on whatever answer
 * comes back — a route's, a stream's, a gateway reply, /health, and every error (Hono turns an error
 * thrown further in into its answer before this sees it).
 */
export const requestIdFirst = createMiddleware<GatewayEnv>(async (c, next) => {
  const ids = requestIds(c.req.raw.headers)
  c.set('ids', ids)
  await next()
  if (carrying.get(c.res) !== ids.requestId) withHeader(c, 'x-request-id', ids.requestId)
})
