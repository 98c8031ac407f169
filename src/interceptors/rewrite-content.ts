import type { HubMessage, HubRequest, TextPart } from '../hub/request'
import type { HubStreamEvent } from '../hub/stream'
import type { Emit } from '../streams/stage'
import { replyStage, TextPipeline } from './rewrite-content/reply-stages'
import { compileRules, type CompiledRule } from './rewrite-content/rules'
import type { AnswerTurn, AnswerWatch, Interceptor, RequestTurn } from './types'

/**
 * Content rewriting: the config file's `rewrites:` rules,
 * `{target: system|user|reply, match, action: replace|prepend|append, text}`,
 * applied in the order written. `match` is a literal, or `/regex/flags`.
 *
 * - `replace`: every match becomes `text` (a regex's `$1`, `$&` are honoured).
 * - `prepend` / `append`: `text` is added before / after the target text when
 *   it holds a match (`/^/` always does).
 *
 * Requests (`system`, `user`): the system prompt (replace also in system
 * messages mid-conversation) and every user message's text, history included,
 * tool results excepted. Clients resend their own, unrewritten history, so every
 * request is rewritten the same way; prepend/append skip a text that already
 * starts / ends with `text`, so a rule never stacks. Only a request that a rule
 * changes is re-encoded; with only literal `replace` rules, a body that does not
 * contain any of them is not even decoded.
 *
 * Answers (`reply`): the answer's text, as it streams (thinking and tool
 * calls are left alone). A literal `replace` holds back only a tail that may
 * start the match (split across chunks); a regex `replace` holds each text run
 * (up to a tool call, thinking, or the finish) and replaces it whole; `prepend`
 * holds the first text run only until the match appears in it; `append` holds
 * nothing and adds `text` just before the finish when the match appeared.
 *
 * No rules, no cost: without request rules `request` returns at once; without
 * reply rules there is no watch.
 */
export const rewriteContent: Interceptor = {
  name: 'rewrite-content',
  does: 'applies the config file rewrites: to outbound system/user text and to the reply',
  request(turn: RequestTurn) {
    const rules = turn.rt.settings.interactive.rewrites
    if (rules.length === 0) return
    const compiled = compileRules(rules)
    if (!compiled.mayApply(turn.text)) return
    if (rewriteRequest(turn.hub(), compiled.request)) turn.changed()
  },
  answer(turn: AnswerTurn): AnswerWatch | undefined {
    const rules = turn.rt.settings.interactive.rewrites
    if (rules.length === 0) return undefined
    const reply = compileRules(rules).reply
    return reply.length === 0 ? undefined : new RewriteWatch(new TextPipeline(reply.map(replyStage)))
  },
}

/** Applies the request rules to a hub request in place; whether anything changed. */
export function rewriteRequest(req: HubRequest, rules: readonly CompiledRule[]): boolean {
  let changed = false
  for (const rule of rules) {
    if (rule.target === 'system') {
      if (rule.action === 'replace') {
        changed = replaceIn(req.system, rule) || changed
        for (const m of req.messages) if (m.role === 'system') changed = replaceIn(textParts(m), rule) || changed
      } else if (req.system.length === 0) {
        if (rule.test('')) {
          req.system.push({ type: 'text', text: rule.text })
          changed = true
        }
      } else changed = addTo(req.system, rule) || changed
    } else if (rule.target === 'user') {
      for (const m of req.messages) {
        if (m.role !== 'user') continue
        const parts = textParts(m)
        if (parts.length === 0) continue
        changed = (rule.action === 'replace' ? replaceIn(parts, rule) : addTo(parts, rule)) || changed
      }
    }
  }
  return changed
}

function textParts(m: HubMessage): TextPart[] {
  return m.content.filter((p): p is TextPart => p.type === 'text')
}

function replaceIn(parts: TextPart[], rule: CompiledRule): boolean {
  let changed = false
  for (const p of parts) {
    const text = rule.replace(p.text)
    if (text !== p.text) {
      p.text = text
      changed = true
    }
  }
  return changed
}

/** prepend / append on one text made of `parts`: when it holds a match and does not already start / end with the text. */
function addTo(parts: TextPart[], rule: CompiledRule): boolean {
  const whole = parts.length === 1 ? parts[0]!.text : parts.map((p) => p.text).join('')
  if (rule.text === '' || !rule.test(whole)) return false
  if (rule.action === 'prepend') {
    if (whole.startsWith(rule.text)) return false
    parts[0]!.text = rule.text + parts[0]!.text
  } else {
    if (whole.endsWith(rule.text)) return false
    const last = parts[parts.length - 1]!
    last.text += rule.text
  }
  return true
}

class RewriteWatch implements AnswerWatch {
  constructor(private readonly text: TextPipeline) {}

  event(e: HubStreamEvent, out: Emit<HubStreamEvent>): void {
    switch (e.type) {
      case 'text_delta': {
        const t = this.text.push(e.text)
        if (t === e.text) out.enqueue(e)
        else if (t !== '') out.enqueue({ type: 'text_delta', text: t })
        return
      }
      case 'start':
      case 'usage':
        out.enqueue(e)
        return
      case 'finish':
        this.emit(this.text.endAnswer(), out)
        out.enqueue(e)
        return
      default:
        // the text run ends: thinking, a tool call, an error
        this.emit(this.text.endRun(), out)
        out.enqueue(e)
    }
  }

  end(out: Emit<HubStreamEvent>): void {
    this.emit(this.text.endRun(), out)
  }

  private emit(text: string, out: Emit<HubStreamEvent>): void {
    if (text !== '') out.enqueue({ type: 'text_delta', text })
  }
}
