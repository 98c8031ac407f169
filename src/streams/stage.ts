/**
 * A synchronous stream step: gets one item, emits zero or more at once. Protocol
 * decoders and encoders are stages, so the gateway can run a whole translation
 * (SSE framing → decode → encode) in one pass per upstream chunk instead of
 * handing every event through a chain of Web streams, each with its own queue
 * and promises. `toTransformStream` makes any stage a TransformStream again.
 */
export interface Emit<T> {
  enqueue(item: T): void
}

export interface Stage<I, O> {
  start?(out: Emit<O>): void
  transform(item: I, out: Emit<O>): void
  flush?(out: Emit<O>): void
}

export function toTransformStream<I, O>(stage: Stage<I, O>): TransformStream<I, O> {
  return new TransformStream<I, O>({
    start: stage.start ? (c) => stage.start!(c) : undefined,
    transform: (item, c) => stage.transform(item, c),
    flush: stage.flush ? (c) => stage.flush!(c) : undefined,
  })
}

const textEncoder = new TextEncoder()

/** Text to UTF-8 bytes, one item at a time (the end of an encoder run as a TransformStream). */
export const UTF8: Stage<string, Uint8Array> = { transform: (text, out) => out.enqueue(textEncoder.encode(text)) }

/** Two stages as one: everything the first emits goes straight into the second. */
export function chain<A, B, C>(first: Stage<A, B>, second: Stage<B, C>): Stage<A, C> {
  let sink: Emit<C>
  const middle: Emit<B> = { enqueue: (b) => second.transform(b, sink) }
  let started = false
  const begin = (out: Emit<C>) => {
    sink = out
    if (started) return
    started = true
    first.start?.(middle)
    second.start?.(out)
  }
  return {
    start: begin,
    transform(item, out) {
      begin(out)
      first.transform(item, middle)
    },
    flush(out) {
      begin(out)
      first.flush?.(middle)
      second.flush?.(out)
    },
  }
}
