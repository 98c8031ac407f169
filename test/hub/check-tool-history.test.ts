import { describe, expect, it } from 'vitest'
import { checkToolHistory } from '../../src/hub/check-tool-history'
import type { HubMessage, HubRequest } from '../../src/hub/request'

const req = (messages: HubMessage[]): HubRequest => ({ model: 'm', system: [], messages, stream: false })
const call = (id: string) => ({ type: 'tool_call' as const, id, name: 'f', arguments: '{}' })
const result = (id: string) => ({ type: 'tool_result' as const, toolCallId: id, content: 'ok' })

describe('checkToolHistory', () => {
  it('accepts calls answered in the next user turn, several at once', () => {
    expect(() =>
      checkToolHistory(
        req([
          { role: 'user', content: [{ type: 'text', text: 'q' }] },
          { role: 'assistant', content: [call('a'), call('b')] },
          { role: 'user', content: [result('a'), result('b'), { type: 'text', text: 'and?' }] },
        ]),
      ),
    ).not.toThrow()
  })

  it('refuses an unanswered call, naming it and its message', () => {
    expect(() =>
      checkToolHistory(
        req([
          { role: 'assistant', content: [call('a'), call('b')] },
          { role: 'user', content: [result('a')] },
          { role: 'assistant', content: [{ type: 'text', text: 'x' }] },
        ]),
      ),
    ).toThrow(/messages\[0\].*"b" has no tool result/)
    expect(() => checkToolHistory(req([{ role: 'user', content: [{ type: 'text', text: 'q' }] }, { role: 'assistant', content: [call('z')] }]))).toThrow(/"z"/)
  })

  it('refuses a result that answers nothing, or answers twice', () => {
    expect(() => checkToolHistory(req([{ role: 'user', content: [result('ghost')] }]))).toThrow(/"ghost" answers no tool call/)
    expect(() =>
      checkToolHistory(req([{ role: 'assistant', content: [call('a')] }, { role: 'user', content: [result('a')] }, { role: 'user', content: [result('a')] }])),
    ).toThrow(/already answered/)
  })
})
