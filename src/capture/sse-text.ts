/** A server-sent event as the capture tool shows it. */
export interface TextSseEvent {
  event?: string
  data: string
  id?: string
}

/**
 * Server-sent events from text fed in pieces (the capture tool's reading of a captured stream; not the
 * gateway's framer, which works on bytes on the hot path). `push` answers the events a piece completes.
 */
export class SseText {
  private buffer = ''
  private event: string | undefined
  private id: string | undefined
  private data: string[] = []

  push(text: string): TextSseEvent[] {
    this.buffer += text
    const out: TextSseEvent[] = []
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer)
      if (!m) break
      // A CR at the very end may be the first half of a CRLF still to come.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) break
      this.line(this.buffer.slice(0, m.index), out)
      this.buffer = this.buffer.slice(m.index + m[0].length)
    }
    return out
  }

  /** The events left when the stream ends (an unfinished last line and an event without its blank line). */
  end(): TextSseEvent[] {
    const out: TextSseEvent[] = []
    if (this.buffer) this.line(this.buffer, out)
    this.buffer = ''
    this.dispatch(out)
    return out
  }

  private dispatch(out: TextSseEvent[]) {
    if (this.data.length || this.event) out.push({ ...(this.event ? { event: this.event } : {}), ...(this.id ? { id: this.id } : {}), data: this.data.join('\n') })
    this.event = undefined
    this.id = undefined
    this.data = []
  }

  private line(line: string, out: TextSseEvent[]) {
    if (!line) return this.dispatch(out)
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
    else if (field === 'id') this.id = value
  }
}

/** Whether text looks like a server-sent event stream. */
export function looksLikeSse(text: string): boolean {
  return /^(data|event|id|retry):|^:/m.test(text.trimStart().slice(0, 200))
}
