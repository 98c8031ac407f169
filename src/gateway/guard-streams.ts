import { GatewayError, toGatewayError } from '../hub/errors'
import type { HubStreamEvent } from '../hub/stream'
import { Redactor } from '../security/redactor'
import type { ByteReader } from '../upstream/transport'

/**
 * Hub events from an upstream, with failures turned into one final `error`
 * event: a read that throws (connection reset, timeout) ends the stream with an
 * error the client's protocol can show, never a silent truncation.
 */
export function guardHubEvents(source: ReadableStream<HubStreamEvent>): ReadableStream<HubStreamEvent> {
  const reader = source.getReader()
  let ended = false
  return new ReadableStream<HubStreamEvent>({
    async pull(controller) {
      if (ended) return
      try {
        const { done, value } = await reader.read()
        if (done) {
          ended = true
          controller.close()
          return
        }
        if (value.type === 'finish' || value.type === 'error') ended = true
        controller.enqueue(value)
        if (ended) {
          controller.close()
          reader.cancel().catch(() => {})
        }
      } catch (err) {
        ended = true
        controller.enqueue({ type: 'error', error: interrupted(err) })
        controller.close()
      }
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}

/**
 * Upstream bytes passed through unchanged but for the gateway's secrets (removed
 * by `redactor`; a chunk whose tail may start a secret keeps that tail until the
 * next one); if reading fails midway, `onError` supplies one closing error frame
 * in the client's protocol.
 */
export function guardBytes(
  reader: ByteReader,
  onError: (err: GatewayError) => Uint8Array,
  redactor: Redactor = Redactor.none,
): ReadableStream<Uint8Array> {
  const scrub = redactor.active ? redactor.byteStream() : undefined
  const rest = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const tail = scrub?.end()
    if (tail?.length) controller.enqueue(tail)
  }
  // A plain promise chain, not an async function: a stream waiting for its next chunk holds less.
  const pull = (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> =>
    reader.read().then(
      ({ done, value }) => {
        if (done) {
          rest(controller)
          controller.close()
          return
        }
        if (!scrub) return controller.enqueue(value)
        const out = scrub.push(value)
        if (out.length) controller.enqueue(out)
        else return pull(controller) // all of it held back: the client is still waiting for something
      },
      (err: unknown) => {
        rest(controller)
        controller.enqueue(redactor.bytes(onError(interrupted(err))))
        controller.close()
      },
    )
  return new ReadableStream<Uint8Array>({
    pull,
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}

function interrupted(err: unknown): GatewayError {
  const e = toGatewayError(err)
  if (e.kind === 'api_error' && !(err instanceof GatewayError))
    return new GatewayError('bad_gateway', 'The upstream connection failed while streaming the response.')
  return e
}
