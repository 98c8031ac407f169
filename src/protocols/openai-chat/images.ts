import type { ImagePart, ImageSource } from '../../hub/request'

/** An `image_url` URL → hub image source: `data:<type>;base64,<data>` becomes base64, anything else a URL. */
export function imageSourceFromUrl(url: string): ImageSource {
  const match = /^data:([^;,]*)((?:;[^;,]*)*);base64,(.*)$/s.exec(url)
  if (match) return { kind: 'base64', mediaType: match[1] || 'application/octet-stream', data: match[3]! }
  return { kind: 'url', url }
}

/** Hub image → Chat Completions `image_url` part. */
export function imageUrlPart(part: ImagePart) {
  const url = part.source.kind === 'base64' ? `data:${part.source.mediaType};base64,${part.source.data}` : part.source.url
  return { type: 'image_url' as const, image_url: part.detail !== undefined ? { url, detail: part.detail } : { url } }
}
