import type { ExchangeFeed, TrafficRow } from '../observe/exchange-feed'

/** A comment line every so often keeps proxies and the browser from closing an idle tail. */
export const KEEP_ALIVE_MS = 15_000

const encoder = new TextEncoder()

/**
 * The live tail as server-sent events: one `row` event per exchange as it ends (`shape` decides what the
 * page gets), a keep-alive comment every KEEP_ALIVE_MS. It stops listening when the client goes (the
 * request's signal aborts, or the body is cancelled), so a closed tab leaves nothing behind.
 */
export function trafficEvents(feed: ExchangeFeed, signal: AbortSignal, shape: (row: TrafficRow) => unknown, keepAliveMs = KEEP_ALIVE_MS): Response {
  let stop = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text))
        } catch {
          stop()
        }
      }
      const unlisten = feed.listen((row) => send(`event: row\ndata: ${JSON.stringify(shape(row))}\n\n`))
      const timer = setInterval(() => send(': keep-alive\n\n'), keepAliveMs)
      let stopped = false
      stop = () => {
        if (stopped) return
        stopped = true
        unlisten()
        clearInterval(timer)
        signal.removeEventListener('abort', onAbort)
      }
      const onAbort = () => {
        stop()
        try {
          controller.close()
        } catch {
          // already closed
        }
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort)
      // Something at once, so the page knows the tail is on.
      send(': connected\nretry: 3000\n\n')
    },
    cancel() {
      stop()
    },
  })
  return new Response(body, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  })
}
