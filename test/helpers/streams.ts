import type { SseEvent } from '../../src/sse/parse'

/** Reads a stream to the end. */
export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = []
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return out
    out.push(value)
  }
}

/** A stream that yields the given items, then closes. */
export function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item)
      controller.close()
    },
  })
}

/** Pushes items through a TransformStream and returns everything it wrote. */
export async function runTransform<I, O>(items: I[], transform: TransformStream<I, O>): Promise<O[]> {
  return collect(streamOf(items).pipeThrough(transform))
}

/** Splits SSE bytes into {event, data} frames (test-side parser, independent of src/sse). */
export function parseSseText(text: string): SseEvent[] {
  const out: SseEvent[] = []
  for (const block of text.split(/\n\n+/)) {
    if (!block.trim()) continue
    let event: string | undefined
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    out.push(event ? { event, data: data.join('\n') } : { data: data.join('\n') })
  }
  return out
}

export async function sseBytesToEvents(chunks: Uint8Array[]): Promise<SseEvent[]> {
  const text = new TextDecoder().decode(concat(chunks))
  return parseSseText(text)
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0)
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}
