import pg from 'pg';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import type { Logger } from 'pino';
import { attachEmbedded, startEmbedded } from './embedded.js';

export { attachEmbedded, startEmbedded, StartError, startFailureSentence } from './embedded.js';

/** Anything that runs a query: the pool or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string | pg.QueryConfig, params?: unknown[]): Promise<pg.QueryResult<R>>;
}
/** A client inside an open transaction; functions that need one say so by taking a Tx. */
export type Tx = pg.PoolClient & { readonly __tx: true };

export interface Database {
  pool: pg.Pool;
  url: string;
  /** Stops the pool and, when embedded, the PostgreSQL server. */
  close(): Promise<void>;
}

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Runs fn in one transaction; commits on success, rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client as Tx);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A free TCP port on loopback (for an embedded PostgreSQL in tests and benchmarks). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Opens the database: DATABASE_URL when given, else an embedded server under dataDir. With `attach`
 * (the CLI, migrations) the embedded server a running Mastery owns is used when there is one, instead
 * of starting one (which would be refused: never two servers on one data folder).
 */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; embeddedPort: number; log?: Logger; poolSize?: number; attach?: boolean }): Promise<Database> {
  let url = opts.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url && opts.attach) url = await attachEmbedded(opts.dataDir);
  if (!url) {
    const emb = await startEmbedded(opts.dataDir, opts.embeddedPort, opts.log);
    url = emb.url;
    stopEmbedded = emb.stop;
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  pool.on('error', (err) => opts.log?.error({ err: err.message }, 'idle database client error'));
  return {
    pool,
    url,
    async close() {
      await pool.end().catch(() => undefined);
      if (stopEmbedded) await stopEmbedded();
    },
  };
}

/**
 * Applies the SQL files in src/db/migrations in name order, each once and in its own transaction,
 * under an advisory lock so several processes starting together do not race.
 */
export async function migrate(pool: pg.Pool, log?: Logger): Promise<string[]> {
  const files = (await fs.readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(727274)');
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query('SELECT name FROM schema_migrations')).rows.map((r) => r.name as string));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await fs.readFile(path.join(migrationsDir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations(name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
      log?.info({ migration: file }, 'migration applied');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    client.release();
  }
  return applied;
}
