const encoder = new TextEncoder()

/** One SSE frame: `event: <name>` (when given) and `data: <data>`, ending in a blank line. */
export function sseFrame(data: string, event?: string): Uint8Array {
  return encoder.encode(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`)
}

/** A frame already written out as text (hot paths build their JSON around one stringified value). */
export function sseText(frame: string): Uint8Array {
  return encoder.encode(frame)
}

/** A JSON payload as one SSE frame. */
export function sseJson(payload: unknown, event?: string): Uint8Array {
  return sseFrame(JSON.stringify(payload), event)
}
