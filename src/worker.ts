import path from 'node:path';
import pg from 'pg';
import { attachEmbedded, migrate, StartError, startFailureSentence } from './db/index.js';
import { configureOutbound, outboundPolicyOf } from './lti/http-client.js';
import { createLogger } from './log.js';
import { buildGradeServices } from './services.js';
import { loadOrExit, loadSettings } from './settings.js';

/**
 * `npm run worker`: the grade-delivery worker as a process of its own (run as many as needed; they share
 * the outbox through SKIP LOCKED claims). Uses DATABASE_URL, or the embedded PostgreSQL a web process
 * started in DATA_DIR (it never starts one itself: two servers on one data directory would corrupt it).
 */
async function main(): Promise<void> {
  const settings = loadOrExit(() => loadSettings());
  const gradeSettings = settings.grades;
  const log = createLogger(settings.logLevel);
  configureOutbound(outboundPolicyOf(settings));
  // The embedded PostgreSQL a running web process started in DATA_DIR (its port read from postmaster.pid).
  const url = settings.databaseUrl ?? (await attachEmbedded(settings.dataDir));
  if (!url) throw new StartError(`no DATABASE_URL is set and no Mastery is running with DATA_DIR ${path.resolve(settings.dataDir)}: start the web process (npm start) first, or set DATABASE_URL.`);
  const pool = new pg.Pool({ connectionString: url, max: Math.min(50, gradeSettings.concurrency + 4) });
  pool.on('error', (err) => log.error({ err: err.message }, 'idle database client error'));
  await migrate(pool, log);
  const services = buildGradeServices({ settings, pool, log });
  const worker = services.createWorker();
  await worker.start();
  log.info({ concurrency: gradeSettings.concurrency, maxAttempts: gradeSettings.maxAttempts }, 'grade worker started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'grade worker stopping');
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    await worker.stop();
    await pool.end().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`grade worker could not start: ${startFailureSentence(err, { databaseUrl: process.env.DATABASE_URL || undefined })}\n`);
  process.exit(1);
});
