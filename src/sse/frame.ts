const encoder = new TextEncoder()

/** One SSE frame: `event: <name>` (when given) and `data: <data>`, ending in a blank line. */
export function sseFrame(data: string, event?: string): Uint8Array {
  return encoder.encode(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`)
}

/** A JSON payload as one SSE frame. */
export function sseJson(payload: unknown, event?: string): Uint8Array {
  return sseFrame(JSON.stringify(payload), event)
}
