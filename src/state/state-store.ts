/**
 * A small key-value port for gateway state (stored Responses, later the runtime
 * registry and key-rotation state). Workers use KV; Node and Deno a file or
 * memory. Values are strings (JSON); a TTL lets old entries go.
 */
export interface StateStore {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { ttlSeconds?: number }): Promise<void>
  delete(key: string): Promise<void>
}
