import { GatewayError, toGatewayError } from '../hub/errors'
import type { ProtocolId } from '../protocols/types'
import type { Redactor } from '../security/redactor'
import { utf8 } from '../sse/frame'
import { IdleTimer } from '../streams/idle-timer'
import type { ByteReader } from '../upstream/transport'
import { SseWatch } from './sse-watch'
import type { FrameRewriter } from '../interceptors/hold-frames'
import { whenClientGone } from '../streams/client-gone'

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
  /** Hears the error a broken stream ends with (usage recording); must not throw. */
  onFail?: (err: GatewayError) => void
  /**
   * Removes the gateway's secrets from the bytes on their way (an upstream may echo a key); a
   * chunk whose tail may start a secret keeps that tail until the next one.
   */
  redactor?: Redactor
  /**
   * Interceptors watching the stream (src/interceptors/hold-frames.ts): what the client gets of each
   * chunk. Without it, the client gets the upstream's bytes as they come.
   */
  rewrite?: FrameRewriter
  /** Hears once how the client's stream ended: complete, with an error frame, or cancelled by the client (metrics). */
  onClose?: (how: 'complete' | 'error' | 'client_gone') => void
  /** The client's request: its abort is the client leaving, as a cancel is (src/streams/client-gone.ts). */
  signal?: AbortSignal
}

/**
 * Upstream bytes passed through unchanged and unbuffered, each chunk as it
 * comes, with an honest end: a stream that breaks (connection reset, bytes that
 * are not UTF-8, a frame that cannot be JSON), ends without its protocol's
 * terminal event, or goes quiet for `idleMs` ends with one error frame in the
 * client's protocol, on a fresh line (a blank line first when the upstream
 * stopped inside a frame). A client that goes away cancels the upstream. The
 * gateway's secrets are removed on the way (`redactor`).
 */
export function guardBytes(reader: ByteReader, o: GuardOptions): ReadableStream<Uint8Array> {
  const watch = new SseWatch(o.protocol)
  let closed = false
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let idle: IdleTimer | undefined
  const scrub = o.redactor?.active ? o.redactor.byteStream() : undefined
  let unlisten: (() => void) | undefined
  const closeAs = (how: 'complete' | 'error' | 'client_gone') => {
    unlisten?.()
    o.onClose?.(how)
  }
  /** The client left (cancelled the body, or its request was aborted): the upstream is let go. */
  const gone = (reason: unknown): Promise<void> => {
    if (!closed) closeAs('client_gone')
    closed = true
    idle?.stop()
    return reader.cancel(reason)
  }
  /** Bytes on their way to the client, secrets removed; false when all of them are held back for now. */
  const send = (bytes: Uint8Array): boolean => {
    const out = scrub ? scrub.push(bytes) : bytes
    if (out.length) controller.enqueue(out)
    return out.length > 0
  }
  /** What the scrubber still holds (the start of what might have been a secret). */
  const release = () => {
    const tail = scrub?.end()
    if (tail?.length) controller.enqueue(tail)
  }

  const fail = (err: GatewayError) => {
    if (closed) return
    closed = true
    closeAs('error')
    idle?.stop()
    release()
    // (Rewritten bytes always end at a frame's end: a frame is held until whole.)
    if (!o.rewrite && !watch.atBoundary) controller.enqueue(utf8('\n\n'))
    const frame = o.onError(err)
    controller.enqueue(o.redactor ? o.redactor.bytes(frame) : frame)
    controller.close()
    reader.cancel(err).catch(() => {})
    o.onFail?.(err)
  }
  const end = (): void | Promise<void> => {
    if (closed) return
    const broken = watch.complete ? undefined : (watch.finish() ?? new GatewayError('bad_gateway', TRUNCATED))
    if (broken) return fail(broken)
    const tail = o.rewrite?.end()
    if (tail?.length) send(tail)
    return settle()
  }
  /** The stream is complete (the upstream's end, or an interceptor's): what is held goes, then the close. */
  const settle = (): void | Promise<void> => {
    if (closed) return
    closed = true
    closeAs('complete')
    idle?.stop()
    release()
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

  // A plain promise chain, not an async function: a stream waiting for its next chunk holds less.
  const pull = (): void | Promise<void> => {
    if (closed) return
    idle!.wait()
    return reader.read().then(
      ({ done, value }) => {
        if (closed) return
        idle!.got()
        if (done) return end()
        const bad = watch.feed(value)
        if (bad) {
          if (bad.keep) send(value.subarray(0, bad.keep))
          return fail(bad.error)
        }
        o.observe?.(value)
        const rw = o.rewrite
        if (rw) {
          const out = rw.push(value)
          if (rw.over) {
            // An interceptor ended the answer: the client has its end, the upstream is let go.
            if (out?.length) send(out)
            reader.cancel().catch(() => {})
            return settle()
          }
          if (!out?.length || !send(out)) return pull()
          return
        }
        // All of it held back: the client still waits for something, so read on (a pull that
        // enqueues nothing is not called again).
        if (!send(value)) return pull()
      },
      (err: unknown) => {
        if (closed) return
        if (watch.complete) return end()
        fail(interrupted(err))
      },
    )
  }

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
      idle = new IdleTimer(o.idleMs, quiet)
      // (Only an abort before the stream closed counts. The stream is closed then, for whoever still reads it:
      // not errored, which workerd would report as an uncaught rejection of its own pump.)
      unlisten = whenClientGone(o.signal, (reason) => {
        if (closed) return
        void gone(reason).catch(() => {})
        c.close()
      })
    },
    pull,
    cancel: gone,
  })
}

const TRUNCATED = 'The upstream stream ended before the response was complete.'

function interrupted(err: unknown): GatewayError {
  const e = toGatewayError(err)
  if (e.kind === 'api_error' && !(err instanceof GatewayError))
    return new GatewayError('bad_gateway', 'The upstream connection failed while streaming the response.')
  return e
}
