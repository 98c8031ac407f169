import { GatewayError, toGatewayError } from '../hub/errors'
import type { HubStreamEvent } from '../hub/stream'
import { Redactor } from '../security/redactor'
import { utf8 } from '../sse/frame'
import { IdleTimer } from '../streams/idle-timer'
import type { Stage } from '../streams/stage'
import type { ByteReader } from '../upstream/transport'
import { whenClientGone } from '../streams/client-gone'

export interface TranslateOptions {
  /** Upstream bytes → hub events (SSE framing and the back end's decoder, chained). */
  decode: Stage<Uint8Array, HubStreamEvent>
  /** Hub events → the client's bytes. */
  encode: Stage<HubStreamEvent, string>
  /** Sees every hub event on its way (the Responses store accumulates them)… */
  observe?: (event: HubStreamEvent) => void
  /** …and hears when the stream is over; the client's stream closes once it has settled (a Worker stays alive for it). */
  onEnd?: () => Promise<void>
  /** STREAM_IDLE_TIMEOUT_MS: an upstream that sends nothing for this long ends the stream with a timeout error. */
  idleMs?: number
  /** Whether an interceptor ended the answer before the upstream did: the rest of the upstream is then let go, not read out. */
  abandon?: () => boolean
  /** Removes the gateway's secrets from the client's text (held back where a chunk may end inside one). */
  redactor?: Redactor
  /** Hears once how the client's stream ended: complete, with an error event, or cancelled by the client (metrics). */
  onClose?: (how: 'complete' | 'error' | 'client_gone') => void
  /** The client's request: its abort is the client leaving, as a cancel is (src/streams/client-gone.ts). */
  signal?: AbortSignal
}

/**
 * One upstream stream translated for the client in a single pass per upstream
 * chunk: each chunk is framed, decoded and encoded at once, and what it yields
 * leaves together, before the next chunk is read. The stream ends after the
 * first `finish` or `error` event. A failure — the upstream connection breaking,
 * or anything the decoder throws — becomes one `error` event in the client's
 * protocol, then a clean close: never a silent truncation.
 */
export function translateStream(reader: ByteReader, o: TranslateOptions): ReadableStream<Uint8Array> {
  let ended = false
  let failed = false
  /** The client's stream is closed (or closing): a read that settles late is ignored. */
  let closed = false
  let idle: IdleTimer | undefined
  let batch = ''
  const out = { enqueue: (text: string) => (batch += text) }
  const events = {
    enqueue(event: HubStreamEvent) {
      if (ended) return
      o.observe?.(event)
      o.encode.transform(event, out)
      if (event.type === 'finish' || event.type === 'error') ended = true
      if (event.type === 'error') failed = true
    },
  }
  const fail = (err: unknown) => events.enqueue({ type: 'error', error: interrupted(err) })
  const scrub = o.redactor?.active ? o.redactor.textStream() : undefined
  /** What one upstream chunk produced, as one piece of bytes (one encode, one write); at the end, all that is held too. */
  const take = (last = false): Uint8Array | undefined => {
    let text = batch
    batch = ''
    if (scrub) text = last ? scrub.push(text) + scrub.end() : scrub.push(text)
    return text === '' ? undefined : utf8(text)
  }

  let unlisten: (() => void) | undefined
  /** The client left (cancelled the body, or its request was aborted): the upstream is let go. */
  const gone = (reason: unknown): Promise<void> => {
    if (!closed) {
      unlisten?.()
      o.onClose?.('client_gone')
    }
    ended = true
    closed = true
    idle?.stop()
    return reader.cancel(reason)
  }

  /** Ended: flush what is left, let the upstream go, close. */
  const finish = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (closed) return
    closed = true
    unlisten?.()
    o.onClose?.(failed ? 'error' : 'complete')
    try {
      o.encode.flush?.(out)
    } catch {
      // the encoder's tail is best effort once the stream has ended
    }
    const rest = take(true)
    if (rest) controller.enqueue(rest)
    // After a clean finish the upstream has (almost) nothing left: read it out, so the connection goes
    // back to the pool; cancelling would abort the request and close the connection.
    // (The idle timer keeps watching the drain: an upstream that lingers after its last event is let go.)
    if (failed || o.abandon?.()) {
      idle?.stop()
      reader.cancel().catch(() => {})
    } else if (idle) {
      idle.wait()
      const timer = idle
      void drain(reader).then(() => timer.stop())
    } else void drain(reader)
    await o.onEnd?.().catch(() => {})
    controller.close()
  }

  /**
   * Reads upstream chunks until one produces output for the client (or the stream ends). A plain
   * promise chain rather than an async loop: while a stream waits for its next chunk, it holds as
   * few objects as possible (a thousand idle streams hold a thousand of each).
   */
  const step = (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    if (ended) return finish(controller)
    idle?.wait()
    return reader.read().then(
      (result) => {
        if (closed) return
        idle?.got()
        try {
          if (result.done) {
            o.decode.flush?.(events)
            if (!ended) fail(new GatewayError('bad_gateway', 'The upstream stream ended before the response was complete.'))
          } else o.decode.transform(result.value, events)
        } catch (err) {
          fail(err)
        }
        const bytes = take()
        if (bytes) {
          controller.enqueue(bytes)
          if (!ended) return
        }
        return step(controller)
      },
      (err: unknown) => {
        if (closed) return
        fail(err)
        return finish(controller)
      },
    )
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      o.decode.start?.(events)
      o.encode.start?.(out)
      if (o.idleMs)
        idle = new IdleTimer(o.idleMs, () => {
          if (closed) return void reader.cancel().catch(() => {})
          if (!ended) fail(new GatewayError('timeout', `The upstream sent nothing for ${o.idleMs} ms; the stream was ended.`))
          void finish(controller)
        })
      // (Only an abort before the stream closed counts. The stream is closed then, for whoever still reads it:
      // not errored, which workerd would report as an uncaught rejection of its own pump.)
      unlisten = whenClientGone(o.signal, (reason) => {
        if (closed) return
        void gone(reason).catch(() => {})
        controller.close()
      })
    },
    pull: step,
    cancel: gone,
  })
}

/** Hub events already in hand (an upstream that answered a stream request with one body), encoded for the client. */
export function encodeEvents(
  events: HubStreamEvent[],
  encode: Stage<HubStreamEvent, string>,
  redactor: Redactor = Redactor.none,
): ReadableStream<Uint8Array> {
  let text = ''
  const out = { enqueue: (t: string) => (text += t) }
  encode.start?.(out)
  for (const e of events) encode.transform(e, out)
  encode.flush?.(out)
  return new ReadableStream({
    start(controller) {
      controller.enqueue(utf8(redactor.text(text)))
      controller.close()
    },
  })
}

/** Reads a finished upstream to its end (a final `[DONE]`, the closing chunk), giving up on error. */
async function drain(reader: ByteReader): Promise<void> {
  try {
    for (;;) if ((await reader.read()).done) return
  } catch {
    // the connection went away: nothing to give back
  }
}

function interrupted(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  const e = toGatewayError(err)
  if (e.kind === 'timeout') return e
  return new GatewayError('bad_gateway', 'The upstream connection failed while streaming the response.')
}
