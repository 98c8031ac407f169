import type { ContentPart, HubRequest } from './request'

/** A rough token count for upstreams that cannot count: about four characters a token, images a flat 1,600. */
export function estimateTokens(req: HubRequest): number {
  let chars = 0
  let images = 0
  const add = (parts: ContentPart[]) => {
    for (const p of parts) {
      if (p.type === 'text') chars += p.text.length
      else if (p.type === 'thinking') chars += p.text.length
      else if (p.type === 'tool_call') chars += p.name.length + p.arguments.length
      else if (p.type === 'image') images++
      else if (p.type === 'tool_result') {
        if (typeof p.content === 'string') chars += p.content.length
        else add(p.content)
      }
    }
  }
  add(req.system)
  for (const m of req.messages) {
    chars += 4 // role and separators
    add(m.content)
  }
  for (const t of req.tools ?? []) chars += t.name.length + (t.description?.length ?? 0) + JSON.stringify(t.parameters).length
  return Math.ceil(chars / 4) + images * 1600
}
