import { WebSocket } from 'undici'

/**
 * Talks to a node started with `--inspect=127.0.0.1:0`: forces a full garbage
 * collection and reads the V8 heap in use, so "after" figures count only what is
 * still reachable, not garbage waiting for the next GC.
 */
export async function heapAfterGc(wsUrl: string, timeoutMs = 10_000): Promise<{ used: number; total: number }> {
  return session(wsUrl, timeoutMs, async (call) => {
    await call('HeapProfiler.collectGarbage')
    await call('HeapProfiler.collectGarbage')
    const r = (await call('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number }
    return { used: r.usedSize, total: r.totalSize }
  })
}

export interface MemoryUsage {
  rss: number
  heapTotal: number
  heapUsed: number
  external: number
  arrayBuffers: number
  /** V8's heap spaces (new_space, old_space, code_space…): committed (space_size) and in use. */
  spaces: Record<string, { size: number; used: number }>
}

const MEMORY_EXPRESSION = `JSON.stringify({
  ...process.memoryUsage(),
  spaces: Object.fromEntries(require('v8').getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }])),
})`

/** The process's own `process.memoryUsage()` and V8 heap spaces, without a GC: where its RSS is at this moment. */
export function memoryUsage(wsUrl: string, timeoutMs = 10_000): Promise<MemoryUsage> {
  return session(wsUrl, timeoutMs, async (call) => {
    const r = (await call('Runtime.evaluate', { expression: MEMORY_EXPRESSION, returnByValue: true, includeCommandLineAPI: true })) as {
      result: { value: string }
    }
    return JSON.parse(r.result.value) as MemoryUsage
  })
}

async function session<T>(wsUrl: string, timeoutMs: number, run: (call: (method: string, params?: object) => Promise<unknown>) => Promise<T>): Promise<T> {
  const ws = new WebSocket(wsUrl)
  let id = 0
  const pending = new Map<number, (result: unknown) => void>()
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown }
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result)
  })
  const call = (method: string, params?: object) =>
    new Promise<unknown>((resolve) => {
      const n = ++id
      pending.set(n, resolve)
      ws.send(JSON.stringify({ id: n, method, params }))
    })
  const timer = setTimeout(() => ws.close(), timeoutMs)
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true })
      ws.addEventListener('error', () => reject(new Error(`inspector ${wsUrl} unreachable`)), { once: true })
    })
    return await run(call)
  } finally {
    clearTimeout(timer)
    ws.close()
  }
}

/** The inspector's WebSocket URL from a process's output (`Debugger listening on ws://…`). */
export const inspectorUrl = (output: string) => /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1]
