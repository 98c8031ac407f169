// Types for the undici module the Node transport imports directly (see undici-transport.ts).
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici'
  export default Agent
}
