/**
 * What must survive Redis, kept in the source database under its own schema
 * (`deltaview`): the view definitions and Kafka source declarations, and per replication slot an epoch (the
 * identity of the Redis data set the views were written to) and the last
 * checkpoint known to be stored there. Redis is derived state; with these the
 * runtime can tell that Redis lost its data, or came back from an older
 * backup, and rebuild instead of serving wrong rows.
 */
import type { DurableCatalog, DurableRecord } from '../types.ts';
import type { Queryable } from './setup.ts';
import { formatLsn, parseLsn } from './lsn.ts';

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS deltaview;
CREATE TABLE IF NOT EXISTS deltaview.views (slot text NOT NULL, name text NOT NULL, def jsonb NOT NULL, PRIMARY KEY (slot, name));
CREATE TABLE IF NOT EXISTS deltaview.sources (slot text NOT NULL, name text NOT NULL, def jsonb NOT NULL, PRIMARY KEY (slot, name));
CREATE TABLE IF NOT EXISTS deltaview.epochs (slot text PRIMARY KEY, epoch text NOT NULL, checkpoint pg_lsn);
`;

export class PgDurableCatalog implements DurableCatalog {
  constructor(
    private readonly db: Queryable,
    /** Views and epochs are per replication slot: several deployments may share a database. */
    private readonly slot: string,
  ) {}

  async load(): Promise<DurableRecord> {
    await this.db.query(SCHEMA);
    const views = await this.db.query<{ def: unknown }>('SELECT def FROM deltaview.views WHERE slot = $1 ORDER BY name', [this.slot]);
    const sources = await this.db.query<{ def: unknown }>('SELECT def FROM deltaview.sources WHERE slot = $1 ORDER BY name', [this.slot]);
    const e = await this.db.query<{ epoch: string; checkpoint: string | null }>('SELECT epoch, checkpoint::text AS checkpoint FROM deltaview.epochs WHERE slot = $1', [this.slot]);
    const row = e.rows[0];
    return {
      views: views.rows.map((r) => r.def),
      sources: sources.rows.map((r) => r.def),
      epoch: row?.epoch ?? null,
      checkpoint: row?.checkpoint ? parseLsn(row.checkpoint) : null,
    };
  }

  async putView(name: string, def: unknown): Promise<void> {
    await this.db.query('INSERT INTO deltaview.views (slot, name, def) VALUES ($1, $2, $3) ON CONFLICT (slot, name) DO UPDATE SET def = EXCLUDED.def', [this.slot, name, JSON.stringify(def)]);
  }

  async deleteView(name: string): Promise<void> {
    await this.db.query('DELETE FROM deltaview.views WHERE slot = $1 AND name = $2', [this.slot, name]);
  }

  async putSource(name: string, def: unknown): Promise<void> {
    await this.db.query('INSERT INTO deltaview.sources (slot, name, def) VALUES ($1, $2, $3) ON CONFLICT (slot, name) DO UPDATE SET def = EXCLUDED.def', [this.slot, name, JSON.stringify(def)]);
  }

  async deleteSource(name: string): Promise<void> {
    await this.db.query('DELETE FROM deltaview.sources WHERE slot = $1 AND name = $2', [this.slot, name]);
  }

  async setEpoch(epoch: string): Promise<void> {
    await this.db.query('INSERT INTO deltaview.epochs (slot, epoch, checkpoint) VALUES ($1, $2, NULL) ON CONFLICT (slot) DO UPDATE SET epoch = EXCLUDED.epoch, checkpoint = NULL', [this.slot, epoch]);
  }

  async setCheckpoint(epoch: string, position: bigint): Promise<void> {
    await this.db.query('UPDATE deltaview.epochs SET checkpoint = $3::pg_lsn WHERE slot = $1 AND epoch = $2 AND (checkpoint IS NULL OR checkpoint < $3::pg_lsn)', [this.slot, epoch, formatLsn(position)]);
  }
}
