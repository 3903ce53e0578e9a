import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import crypto from 'node:crypto';
import pg from 'pg';
import { migrate, startEmbedded, type Database, freeLoopbackPort } from '../../src/db/index.js';

/**
 * One embedded PostgreSQL per test run (started on first use, stopped by the root hook), with a
 * migrated template database; every caller gets a fresh database cloned from it, so test files never
 * see each other's rows.
 */
let server: Promise<{ baseUrl: string; stop: () => Promise<void>; dir: string }> | undefined;


async function start() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-test-pg-'));
  await fs.chmod(dir, 0o777);
  const emb = await startEmbedded(dir, await freeLoopbackPort());
  const admin = new pg.Pool({ connectionString: emb.url, max: 1 });
  await admin.query('CREATE DATABASE mastery_template');
  await admin.end();
  const tpl = new pg.Pool({ connectionString: emb.url.replace(/\/mastery$/, '/mastery_template'), max: 2 });
  await migrate(tpl);
  await tpl.end();
  return { baseUrl: emb.url, stop: emb.stop, dir };
}

/** A fresh, migrated database for one test file. */
export async function freshDatabase(): Promise<Database> {
  server ??= start();
  const s = await server;
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: s.baseUrl, max: 1 });
  await admin.query(`CREATE DATABASE ${name} TEMPLATE mastery_template`);
  await admin.end();
  const url = s.baseUrl.replace(/\/mastery$/, `/${name}`);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // When the shared server stops at the end of the run, idle clients are terminated: not a test failure.
  pool.on('error', () => undefined);
  return { pool, url, close: () => pool.end() };
}

/** Stops the embedded server (root hook, after all tests). */
export async function stopTestDatabase(): Promise<void> {
  if (!server) return;
  const s = await server;
  await s.stop().catch(() => undefined);
  await fs.rm(s.dir, { recursive: true, force: true }).catch(() => undefined);
  server = undefined;
}
