import { anthropic } from './anthropic'
import { openaiChat } from './openai-chat'
import type { Protocol, ProtocolId } from './types'

export const PROTOCOLS: Record<ProtocolId, Protocol> = {
  'openai-chat': openaiChat,
  anthropic,
}
