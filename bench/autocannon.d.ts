declare module 'autocannon' {
  interface Options {
    url: string
    method?: string
    headers?: Record<string, string>
    body?: string
    connections?: number
    duration?: number
    pipelining?: number
    timeout?: number
  }
  interface Result {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    requests: { average: number; total: number }
    latency: { p50: number; p99: number }
  }
  interface Instance {
    on(event: 'response', cb: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void
    on(event: 'done', cb: (result: Result) => void): void
    stop(): void
  }
  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): Instance
  export default autocannon
}
