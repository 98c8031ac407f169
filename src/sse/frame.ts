const encoder = new TextEncoder()

/**
 * SSE frames are built as text, and encoded to bytes once per batch (everything
 * one upstream chunk produced), not once per frame.
 */

/** One SSE frame: `event: <name>` (when given) and `data: <data>`, ending in a blank line. */
export function sseFrame(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`
}

/** A frame already written out as text (hot paths build their JSON around one stringified value). */
export function sseText(frame: string): string {
  return frame
}

/** A JSON payload as one SSE frame. */
export function sseJson(payload: unknown, event?: string): string {
  return sseFrame(JSON.stringify(payload), event)
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}
