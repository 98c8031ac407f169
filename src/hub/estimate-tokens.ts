import type { ContentPart, HubRequest, ImagePart } from './request'

/** What an image costs when its size cannot be read (a URL, an unknown format): about the most one costs. */
export const IMAGE_TOKENS = 1600

/**
 * A rough token count for upstreams that cannot count, and for the context-window check: about four
 * characters a token for text, tool calls, results and tool schemas; an image by its pixel size when
 * its base64 header says it (Anthropic's `width × height / 750`, after the downscaling providers do,
 * so at most 1,600), else 1,600; any part the hub does not model (a document) 1,600.
 *
 * Earlier turns' thinking is not counted: providers drop it from the context (Anthropic strips
 * previous turns' thinking blocks, OpenAI earlier reasoning items); only the last assistant turn's
 * (a tool loop in progress) is. One pass over the parts, no copies of the text.
 */
export function estimateTokens(req: HubRequest): number {
  let chars = 0
  let tokens = 0
  let countThinking = false
  const add = (parts: ContentPart[]) => {
    for (const p of parts) {
      if (p.type === 'text') chars += p.text.length
      else if (p.type === 'thinking') {
        if (countThinking) chars += p.text.length
      } else if (p.type === 'tool_call') chars += p.name.length + p.arguments.length
      else if (p.type === 'image') tokens += imageTokens(p)
      else if (p.type === 'native') tokens += IMAGE_TOKENS
      else if (p.type === 'tool_result') {
        if (typeof p.content === 'string') chars += p.content.length
        else add(p.content)
      }
    }
  }
  add(req.system)
  const last = req.messages.length - 1
  for (let i = 0; i <= last; i++) {
    const m = req.messages[i]!
    chars += 4 // role and separators
    countThinking = i === last && m.role === 'assistant'
    add(m.content)
  }
  for (const t of req.tools ?? []) chars += t.name.length + (t.description?.length ?? 0) + JSON.stringify(t.parameters ?? {}).length
  return Math.ceil(chars / 4) + tokens
}

/** An image's tokens from the width and height its base64 header gives, else IMAGE_TOKENS. */
export function imageTokens(p: ImagePart): number {
  if (p.source.kind !== 'base64') return IMAGE_TOKENS
  const size = imageSize(p.source.data)
  if (!size) return IMAGE_TOKENS
  let { w, h } = size
  // Providers scale an image down to a long edge of about 1,568 pixels and ~1.15 megapixels.
  const scale = Math.min(1, 1568 / Math.max(w, h), Math.sqrt(1_150_000 / (w * h)))
  w = Math.max(1, Math.round(w * scale))
  h = Math.max(1, Math.round(h * scale))
  return Math.min(IMAGE_TOKENS, Math.max(1, Math.ceil((w * h) / 750)))
}

/** Width and height from the first bytes of a base64 PNG, GIF, WebP or JPEG; undefined for anything else. */
export function imageSize(base64: string): { w: number; h: number } | undefined {
  // PNG, GIF and WebP say it in their first 30 bytes; a JPEG in its first frame header, usually in the first few KB.
  const b = decodeHead(base64, base64.startsWith('/9j/') ? 65_536 : 40)
  if (!b) return undefined
  const ok = (s: { w: number; h: number }) => (s.w > 0 && s.h > 0 ? s : undefined)
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47)
    return ok({ w: u32be(b, 16), h: u32be(b, 20) })
  if (b.length >= 10 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return ok({ w: b[6]! | (b[7]! << 8), h: b[8]! | (b[9]! << 8) })
  if (b.length >= 30 && b[0] === 0x52 && b[1] === 0x49 && b[8] === 0x57 && b[9] === 0x45) {
    const kind = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!)
    if (kind === 'VP8X') return ok({ w: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)), h: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16)) })
    if (kind === 'VP8 ') return ok({ w: (b[26]! | (b[27]! << 8)) & 0x3fff, h: (b[28]! | (b[29]! << 8)) & 0x3fff })
    if (kind === 'VP8L') {
      const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)
      return ok({ w: (bits & 0x3fff) + 1, h: ((bits >>> 14) & 0x3fff) + 1 })
    }
    return undefined
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    let i = 2
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return undefined
      const marker = b[i + 1]!
      // Start-of-frame markers (baseline, progressive…), not DHT (C4), JPG (C8) or DAC (CC).
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
        return ok({ h: (b[i + 5]! << 8) | b[i + 6]!, w: (b[i + 7]! << 8) | b[i + 8]! })
      i += 2 + ((b[i + 2]! << 8) | b[i + 3]!)
    }
  }
  return undefined
}

const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0

/** The first `bytes` bytes of base64 data (only that much is decoded). */
function decodeHead(base64: string, bytes: number): Uint8Array | undefined {
  const chars = Math.min(base64.length, Math.ceil(bytes / 3) * 4)
  try {
    const bin = atob(base64.slice(0, chars - (chars % 4)))
    const out = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
    return out
  } catch {
    return undefined
  }
}
