import { CLIENT_CLOSED, GatewayError } from '../hub/errors'
import type { Transport, UpstreamResponse } from './transport'

export type { Transport }

export interface UpstreamCall {
  url: string
  headers: Headers
  body: string
  transport: Transport
  /** How long to wait for the upstream's response headers. */
  timeoutMs: number
  /** Aborts the upstream call when the client goes away. */
  clientSignal?: AbortSignal
}

/**
 * Sends one request upstream. Network failures become 502 and a missing answer
 * 504; neither message carries headers or keys. The answer's body is still
 * streaming.
 */
export async function callUpstream(call: UpstreamCall): Promise<UpstreamResponse> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, call.timeoutMs)
  const onClientAbort = () => controller.abort()
  call.clientSignal?.addEventListener('abort', onClientAbort, { once: true })

  const host = safeHost(call.url)
  try {
    return await call.transport({ url: call.url, method: 'POST', headers: call.headers, body: call.body, signal: controller.signal })
  } catch (err) {
    if (timedOut)
      throw new GatewayError('timeout', `The upstream ${host} did not answer within ${call.timeoutMs} ms.`)
    if (call.clientSignal?.aborted) throw new GatewayError('api_error', 'The client closed the request.', { status: CLIENT_CLOSED })
    // A transport's own refusal (multi-user mode's address check) says what it is.
    if (err instanceof GatewayError) throw err
    throw new GatewayError('bad_gateway', `The upstream ${host} could not be reached (${describe(err)}).`)
  } finally {
    clearTimeout(timer)
    call.clientSignal?.removeEventListener('abort', onClientAbort)
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'upstream'
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string } }
  const code = e?.cause?.code ?? e?.code
  if (code) return code
  return err instanceof Error ? err.message.slice(0, 120) : 'network error'
}
