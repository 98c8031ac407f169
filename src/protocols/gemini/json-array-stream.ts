/**
 * Gemini `alt=sse` bytes → the framing :streamGenerateContent uses without
 * `alt=sse`: one JSON array, `[{…}\n,{…}\n]`, written element by element as each
 * SSE event completes (nothing waits for the end of the response). Event names,
 * ids and comments are ignored; CRLF and LF line ends are both read. An input
 * with no events gives `[]`.
 */
export function toJsonArrayStream(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let buffer = ''
  let data: string[] = []
  let count = 0

  const endEvent = (controller: TransformStreamDefaultController<Uint8Array>) => {
    if (!data.length) return
    const payload = data.join('\n')
    data = []
    if (payload.trim() === '' || payload.trim() === '[DONE]') return
    controller.enqueue(encoder.encode((count++ === 0 ? '[' : '\n,') + payload))
  }

  const readLines = (controller: TransformStreamDefaultController<Uint8Array>, final: boolean) => {
    let start = 0
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i]
      if (c !== '\n' && c !== '\r') continue
      if (c === '\r' && i + 1 === buffer.length && !final) break // maybe the first half of \r\n
      const line = buffer.slice(start, i)
      if (line === '') endEvent(controller)
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      if (c === '\r' && buffer[i + 1] === '\n') i++
      start = i + 1
    }
    buffer = buffer.slice(start)
  }

  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true })
      readLines(controller, false)
    },
    flush(controller) {
      buffer += decoder.decode()
      if (buffer !== '') buffer += '\n'
      readLines(controller, true)
      endEvent(controller)
      controller.enqueue(encoder.encode(count ? '\n]' : '[]'))
    },
  })
}
