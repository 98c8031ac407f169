import { GatewayError, toGatewayError } from '../hub/errors'
import type { ProtocolId } from '../protocols/types'
import { utf8 } from '../sse/frame'
import { IdleTimer } from '../streams/idle-timer'
import type { ByteReader } from '../upstream/transport'
import { SseWatch } from './sse-watch'

export interface GuardOptions {
  /** The stream's protocol (the client's and the upstream's). */
  protocol: ProtocolId
  /** One closing error frame in that protocol. */
  onError: (err: GatewayError) => Uint8Array
  /** STREAM_IDLE_TIMEOUT_MS: how long the upstream may send nothing. */
  idleMs: number
  /** Sees each chunk on its way to the client (the Responses store decodes a copy); must not throw. */
  observe?: (chunk: Uint8Array) => void
  /** Runs once the stream has ended complete, before the client's stream closes (a Worker stays alive for it). */
  onEnd?: () => Promise<void>
}

/**
 * Upstream bytes passed through unchanged and unbuffered, each chunk as it
 * comes, with an honest end: a stream that breaks (connection reset, bytes that
 * are not UTF-8, a frame that cannot be JSON), ends without its protocol's
 * terminal event, or goes quiet for `idleMs` ends with one error frame in the
 * client's protocol, on a fresh line (a blank line first when the upstream
 * stopped inside a frame). A client that goes away cancels the upstream.
 */
export function guardBytes(reader: ByteReader, o: GuardOptions): ReadableStream<Uint8Array> {
  const watch = new SseWatch(o.protocol)
  let closed = false
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let idle: IdleTimer | undefined

  const fail = (err: GatewayError) => {
    if (closed) return
    closed = true
    idle?.stop()
    if (!watch.atBoundary) controller.enqueue(utf8('\n\n'))
    controller.enqueue(o.onError(err))
    controller.close()
    reader.cancel(err).catch(() => {})
  }
  const end = (): void | Promise<void> => {
    if (closed) return
    const broken = watch.complete ? undefined : (watch.finish() ?? new GatewayError('bad_gateway', TRUNCATED))
    if (broken) return fail(broken)
    closed = true
    idle?.stop()
    const after = o.onEnd?.()
    if (!after) return controller.close()
    return after.catch(() => {}).then(() => controller.close())
  }
  /** The upstream said nothing for too long: past its terminal event that is just a lingering connection. */
  const quiet = () => {
    if (!watch.complete) return fail(new GatewayError('timeout', `The upstream sent nothing for ${o.idleMs} ms; the stream was ended.`))
    reader.cancel().catch(() => {})
    void end()
  }

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
      idle = new IdleTimer(o.idleMs, quiet)
    },
    // A plain promise chain, not an async function: a stream waiting for its next chunk holds less.
    pull() {
      if (closed) return
      idle!.wait()
      return reader.read().then(
        ({ done, value }) => {
          if (closed) return
          idle!.got()
          if (done) return end()
          const bad = watch.feed(value)
          if (bad) {
            if (bad.keep) controller.enqueue(value.subarray(0, bad.keep))
            return fail(bad.error)
          }
          o.observe?.(value)
          controller.enqueue(value)
        },
        (err: unknown) => {
          if (closed) return
          if (watch.complete) return end()
          fail(interrupted(err))
        },
      )
    },
    cancel(reason) {
      closed = true
      idle?.stop()
      return reader.cancel(reason)
    },
  })
}

const TRUNCATED = 'The upstream stream ended before the response was complete.'

function interrupted(err: unknown): GatewayError {
  const e = toGatewayError(err)
  if (e.kind === 'api_error' && !(err instanceof GatewayError))
    return new GatewayError('bad_gateway', 'The upstream connection failed while streaming the response.')
  return e
}
