import { DurableObject } from 'cloudflare:workers'
import type { DirectoryRpc, DurableBindings } from './bindings'

/**
 * A named list (`idFromName('backends')`, `idFromName('clients')`): the back
 * ends with a health record, the clients with a usage ledger. Written once per
 * name ever (the writer remembers it did), read by diagnostics and admin usage
 * totals; Workers cannot enumerate a namespace's objects, so this is how they
 * are found.
 */
export class StateDirectoryObject extends DurableObject<DurableBindings> implements DirectoryRpc {
  private names?: Set<string>

  private get all(): Set<string> {
    if (!this.names) {
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS names (name TEXT PRIMARY KEY) WITHOUT ROWID')
      this.names = new Set(this.ctx.storage.sql.exec<{ name: string }>('SELECT name FROM names').toArray().map((r) => r.name))
    }
    return this.names
  }

  async add(name: string): Promise<void> {
    if (this.all.has(name)) return
    this.ctx.storage.sql.exec('INSERT OR IGNORE INTO names (name) VALUES (?)', name)
    this.all.add(name)
  }

  async list(): Promise<string[]> {
    return [...this.all].sort()
  }
}
