import type { Call } from '../gateway/generate'
import type { ProtocolId } from '../protocols/types'
import { ExchangeCapture } from './exchange-capture'

/** Exchanges being captured, by their request: the app wraps their final answer (captureOf). */
const capturing = new WeakMap<Request, ExchangeCapture>()

/** Whether this request is captured: the session's `!/set(capture=…)`, else the client's `capture:`, else CAPTURE. */
export function wantsCapture(call: Call, sessionData: { settings?: Record<string, unknown> }): boolean {
  const own = sessionData.settings?.capture
  if (typeof own === 'boolean') return own
  return call.client.capture ?? call.rt.settings.interactive.switches.capture
}

/**
 * The exchange's capture, when it is captured and the runtime has somewhere to put it; undefined
 * (nothing made, nothing wrapped) otherwise. Its writing is handed to `defer` at once, so a Worker
 * stays alive until it is written.
 */
export function startCapture(
  call: Call,
  front: ProtocolId,
  session: { id: string; data: { settings?: Record<string, unknown> } },
  started: number,
  text: string,
  stream: boolean,
): ExchangeCapture | undefined {
  // (Positional arguments: an exchange that is not captured allocates nothing here.)
  const rt = call.rt
  const sink = rt.captureSink
  if (!sink || !wantsCapture(call, session.data)) return undefined
  let cap: ExchangeCapture
  try {
    cap = new ExchangeCapture({
      id: call.ids.id,
      requestId: call.ids.requestId,
      started,
      session: session.id,
      client: call.client.name,
      frontEnd: front,
      stream,
      req: call.req,
      body: text,
      maxBytes: rt.settings.capture.maxExchangeBytes,
      sink,
      log: rt.log,
      redactor: () => rt.redactor,
    })
  } catch (err) {
    // Capturing never breaks an answer.
    rt.log.error(`capture: could not start (${(err as Error)?.message ?? String(err)})`)
    return undefined
  }
  capturing.set(call.req, cap)
  call.defer(cap.written)
  return cap
}

/** The capture of the exchange this request started, if it is captured (the app wraps its answer). */
export function captureOf(req: Request): ExchangeCapture | undefined {
  return capturing.get(req)
}
