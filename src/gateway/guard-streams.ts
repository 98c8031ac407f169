import { GatewayError, toGatewayError } from '../hub/errors'
import type { HubStreamEvent } from '../hub/stream'
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
 * Upstream bytes passed through unchanged; if reading fails midway, `onError`
 * supplies one closing error frame in the client's protocol.
 */
export function guardBytes(reader: ByteReader, onError: (err: GatewayError) => Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    // A plain promise chain, not an async function: a stream waiting for its next chunk holds less.
    pull(controller) {
      return reader.read().then(
        ({ done, value }) => {
          if (done) controller.close()
          else controller.enqueue(value)
        },
        (err: unknown) => {
          controller.enqueue(onError(interrupted(err)))
          controller.close()
        },
      )
    },
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
