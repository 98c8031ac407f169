import type { GatewayError } from '../hub/errors'
import type { Protocol } from '../protocols/types'
import { utf8 } from '../sse/frame'
import { SSE_HEADERS } from './answer'

/** How often a comment line goes out while waiting. */
const EVERY_MS = 5_000

/**
 * A streaming client's answer begun before the upstream's, when the gateway
 * must wait to retry (every key cooling for a few seconds): SSE comment lines
 * (`: retrying in 3s`) keep the connection and the client's timeouts alive.
 * From then on the answer's status is 200; what follows is the upstream's
 * stream, or one error event in the client's protocol.
 */
export class EarlyAnswer {
  readonly response: Response
  private controller!: ReadableStreamDefaultController<Uint8Array>
  private upstream?: ReadableStreamDefaultReader<Uint8Array>
  private gone = false

  constructor(private readonly front: Protocol, signal: AbortSignal) {
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => void (this.controller = c),
      cancel: (reason) => {
        this.gone = true
        return this.upstream?.cancel(reason)
      },
    })
    signal.addEventListener('abort', () => (this.gone = true), { once: true })
    this.response = new Response(stream, { headers: { ...SSE_HEADERS, 'x-gateway-early': 'retrying' } })
  }

  get clientGone(): boolean {
    return this.gone
  }

  /** Waits `ms`, saying so now and every few seconds. */
  async wait(ms: number, why: string): Promise<void> {
    const until = Date.now() + ms
    while (!this.gone) {
      const left = until - Date.now()
      if (left <= 0) return
      this.comment(`retrying in ${Math.ceil(left / 1000)}s (${why})`)
      await new Promise((r) => setTimeout(r, Math.min(left, EVERY_MS)))
    }
  }

  private comment(text: string): void {
    if (!this.gone) this.controller.enqueue(utf8(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`))
  }

  /** The answer, once there is one: its body follows the comments. */
  async finish(res: Response): Promise<void> {
    if (this.gone || !res.body) {
      await res.body?.cancel()
      if (!this.gone) this.controller.close()
      return
    }
    this.upstream = res.body.getReader()
    try {
      for (;;) {
        const { done, value } = await this.upstream.read()
        if (done) break
        // (Gone without a cancel reaching the stream, the request's signal alone: the answer is let go here, so it ends as abandoned.)
        if (this.gone) return void this.upstream.cancel().catch(() => {})
        this.controller.enqueue(value)
      }
      this.controller.close()
    } catch (err) {
      if (!this.gone) this.controller.error(err)
    }
  }

  /** No answer came: one error event in the client's protocol. */
  fail(err: GatewayError): void {
    if (this.gone) return
    this.controller.enqueue(this.front.encodeStreamError(err))
    this.controller.close()
  }
}
