const nothing = () => {}

/**
 * Hears, once, that the client left an answer that is still streaming. Node (@hono/node-server) and Deno
 * cancel the answer's body then, which the streams' own `cancel` hears; workerd does not: it drops the
 * request's I/O, and with the `enable_request_signal` compatibility flag (wrangler.toml) aborts the
 * request's signal instead. So a stream listens to that signal too, from its start until it closes, and
 * treats its abort as the cancel (whichever comes first; the other finds the stream closed). Answers the
 * way to stop listening. One listener per stream, nothing per chunk.
 */
export function whenClientGone(signal: AbortSignal | undefined, gone: (reason: unknown) => void): () => void {
  if (!signal) return nothing
  if (signal.aborted) {
    gone(signal.reason)
    return nothing
  }
  const listener = () => gone(signal.reason)
  signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}
