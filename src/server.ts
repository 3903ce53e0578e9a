import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { migrate, openDatabase, type Database } from './db/index.js';
import { configureOutbound, outboundPolicyOf } from './lti/http-client.js';
import type { GradeWorker } from './grades/index.js';
import type { PracticeService } from './practice/practice.service.js';
import { buildServices, type Services } from './services.js';
import type { Settings } from './settings.js';

export interface RunningServer {
  url: string;
  db: Database;
  /** Every service of this process, as built by `buildServices`. */
  services: Services;
  /** The student loop's service (its answer writer's batching figures are read by bench:practice). */
  practice: PracticeService;
  server: http.Server;
  /** Stops accepting requests, then closes the database (and the embedded server). */
  close(): Promise<void>;
}

/** In development an admin token is generated once and kept in DATA_DIR, so the admin API is never open. */
async function resolveAdminToken(settings: Settings, log: Logger): Promise<string> {
  if (settings.adminToken) return settings.adminToken;
  const file = path.join(settings.dataDir, 'admin-token');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const token = crypto.randomBytes(24).toString('base64url');
    await fs.mkdir(settings.dataDir, { recursive: true });
    await fs.writeFile(file, token, { mode: 0o600 });
    log.info({ file }, 'generated a development admin token (ADMIN_TOKEN was not set)');
    return token;
  }
}

/**
 * Opens the database, applies migrations, builds every dependency and listens. PUBLIC_URL defaults to
 * the address actually bound (tests pass port 0).
 */
export async function startServer(settings: Settings, log: Logger, opts: { db?: Database; printAdminToken?: boolean } = {}): Promise<RunningServer> {
  const db = opts.db ?? (await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, embeddedPort: settings.embeddedPgPort, log, poolSize: settings.databasePoolSize }));
  try {
    return await buildServer(settings, log, db, opts);
  } catch (err) {
    // A failed start (a port in use, a migration) stops the database it opened, embedded server included.
    if (!opts.db) await db.close().catch(() => undefined);
    throw err;
  }
}

async function buildServer(settings: Settings, log: Logger, db: Database, opts: { printAdminToken?: boolean }): Promise<RunningServer> {
  await migrate(db.pool, log);
  const server = http.createServer();
  // Until the app is mounted below, a request is answered 503 at once (it would otherwise hang).
  const starting: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain; charset=utf-8' }).end('Mastery is starting.\n');
  };
  server.on('request', starting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const publicUrl = settings.port === 0 ? `http://127.0.0.1:${port}` : settings.publicUrl;
  // Every call to an LMS goes through one client: production fetches https and public addresses only.
  configureOutbound(outboundPolicyOf({ ...settings, publicUrl }));

  const adminToken = await resolveAdminToken(settings, log);
  if (opts.printAdminToken && !settings.adminToken) {
    process.stdout.write(`\nAdmin API token (development, kept in ${path.join(settings.dataDir, 'admin-token')}): ${adminToken}\n`);
  }
  const services = await buildServices({ settings, pool: db.pool, log, publicUrl, adminToken });
  const { practice, grades, scores } = services;
  const app = createApp({ services });
  server.off('request', starting);
  server.on('request', app);
  let worker: GradeWorker | undefined;
  if (settings.inProcessWorker) {
    worker = grades.createWorker();
    await worker.start();
    const w = worker;
    scores.onCommitted(() => w.nudge());
  }
  return {
    url: publicUrl,
    db,
    services,
    practice,
    server,
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      services.close();
      await worker?.stop();
      await db.close();
    },
  };
}
