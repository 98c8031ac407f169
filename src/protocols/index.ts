import { anthropic } from './anthropic'
import { gemini } from './gemini'
import { geminiCodeAssist } from './gemini-code-assist'
import { openaiChat } from './openai-chat'
import { openaiResponses } from './openai-responses'
import type { Protocol, ProtocolId } from './types'

/** Every wire protocol, each usable as a front end and as a back end. */
export const PROTOCOLS: Record<ProtocolId, Protocol> = {
  'openai-chat': openaiChat,
  'openai-responses': openaiResponses,
  anthropic,
  gemini,
  // Back end only: the Gemini CLI logins' Code Assist endpoint (src/subscriptions/gemini-cli/).
  'gemini-code-assist': geminiCodeAssist,
}
