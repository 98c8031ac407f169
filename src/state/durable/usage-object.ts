import { DurableObject } from 'cloudflare:workers'
import { roundCost } from '../../resilience/usage-totals'
import type { UsageGroup, UsageQuery, UsageRecord, UsageRow } from '../ports'
import { CLIENTS, stub, type DurableBindings, type UsageRpc } from './bindings'

/** Rows one ledger keeps; past it the oldest go (checked every PRUNE_EVERY inserts). */
export const MAX_ROWS = 1_000_000
const PRUNE_EVERY = 1_000

const SCHEMA = `
CREATE TABLE IF NOT EXISTS usage (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  client TEXT NOT NULL,
  session TEXT,
  front_end TEXT NOT NULL,
  backend TEXT NOT NULL,
  model TEXT NOT NULL,
  attempts TEXT NOT NULL,
  status INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  ttfb_ms INTEGER,
  total_ms INTEGER NOT NULL,
  cost_usd REAL
);
CREATE INDEX IF NOT EXISTS usage_at ON usage (at);`

const INSERT = `INSERT INTO usage (at, client, session, front_end, backend, model, attempts, status, input_tokens, output_tokens,
  cached_input_tokens, reasoning_tokens, ttfb_ms, total_ms, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

/** The SQL of each group (a fixed list: nothing from the query is pasted into SQL). */
const GROUP: Record<UsageGroup, string> = {
  client: 'client',
  backend: 'backend',
  model: `backend || ':' || model`,
  day: `strftime('%Y-%m-%d', at / 1000, 'unixepoch')`,
}

interface SqlRow {
  grp: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cached_input_tokens: number
  reasoning_tokens: number
  cost_usd: number | null
}

/**
 * One client's usage ledger (`idFromName(client)`) in the object's SQLite
 * storage; totals are one GROUP BY. Partitioned per client so writes spread
 * over as many objects as there are clients (one object takes roughly a
 * thousand small writes a second) and a client's own totals read one object;
 * an admin's totals fan out over the `clients` directory in parallel and add
 * the rows up (merge-usage.ts).
 */
export class UsageLedgerObject extends DurableObject<DurableBindings> implements UsageRpc {
  private ready = false
  private sinceCheck = 0

  private get sql() {
    if (!this.ready) {
      this.ctx.storage.sql.exec(SCHEMA)
      this.ready = true
    }
    return this.ctx.storage.sql
  }

  async record(client: string, records: UsageRecord[]): Promise<void> {
    const sql = this.sql
    this.ctx.storage.transactionSync(() => {
      for (const r of records)
        sql.exec(INSERT, r.at, r.client, r.session ?? null, r.frontEnd, r.backend, r.model, JSON.stringify(r.attempts), r.status,
          r.inputTokens, r.outputTokens, r.cachedInputTokens, r.reasoningTokens, r.ttfbMs ?? null, r.totalMs, r.costUsd ?? null)
    })
    this.sinceCheck += records.length
    if (this.sinceCheck >= PRUNE_EVERY) {
      this.sinceCheck = 0
      sql.exec('DELETE FROM usage WHERE id <= (SELECT MAX(id) FROM usage) - ?', MAX_ROWS)
    }
    if (!this.ctx.storage.kv.get('listed')) {
      await stub(this.env.GATEWAY_DIRECTORY, CLIENTS).add(client)
      this.ctx.storage.kv.put('listed', true)
    }
  }

  async totals(query: UsageQuery): Promise<UsageRow[]> {
    const where: string[] = []
    const args: unknown[] = []
    if (query.since !== undefined) {
      where.push('at >= ?')
      args.push(query.since)
    }
    if (query.client !== undefined) {
      where.push('client = ?')
      args.push(query.client)
    }
    const rows = this.sql
      .exec<SqlRow>(
        `SELECT ${GROUP[query.groupBy]} AS grp, COUNT(*) AS requests, SUM(status >= 400) AS errors,
          SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cached_input_tokens) AS cached_input_tokens,
          SUM(reasoning_tokens) AS reasoning_tokens, SUM(cost_usd) AS cost_usd
         FROM usage ${where.length ? 'WHERE ' + where.join(' AND ') : ''} GROUP BY grp`,
        ...args,
      )
      .toArray()
    return rows.map((r) => ({
      group: r.grp,
      requests: r.requests,
      errors: r.errors,
      input_tokens: r.input_tokens,
      output_tokens: r.output_tokens,
      cached_input_tokens: r.cached_input_tokens,
      reasoning_tokens: r.reasoning_tokens,
      cost_usd: r.cost_usd === null ? null : roundCost(r.cost_usd),
    }))
  }
}
