import { EventSourceParserStream } from 'eventsource-parser/stream'

export interface SseEvent {
  /** The `event:` field, when the sender named one. */
  event?: string
  data: string
}

/** Bytes of an SSE response → one SseEvent per event, as each completes. */
export function parseSse(body: ReadableStream<Uint8Array>): ReadableStream<SseEvent> {
  return body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .pipeThrough(
      new TransformStream({
        transform(msg, controller) {
          controller.enqueue(msg.event ? { event: msg.event, data: msg.data } : { data: msg.data })
        },
      }),
    )
}
