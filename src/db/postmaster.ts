import { execFileSync } from 'node:child_process';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import type { Logger } from 'pino';
import path from 'node:path';
import { StartError } from './start-errors.js';

/**
 * Which PostgreSQL runs on a data folder, and which process owns it: postmaster.pid read and checked
 * against the live process (a reused pid is not mistaken for it), the `pg-owner` file the starting
 * process writes, and a safe stop (fast shutdown, waited for) of a postmaster left behind.
 */

export interface Postmaster {
  pid: number;
  dataDir: string;
  port: number;
}

/** Reads postmaster.pid of a data folder: pid, data folder and port (undefined when absent or garbled). */
export function readPostmasterPid(databaseDir: string): Postmaster | undefined {
  let text: string;
  try {
    text = fsSync.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, dataDir: lines[1] ?? '', port: Number.isInteger(port) ? port : 0 };
}

/** The kernel's view of a process on Linux: state and start time (undefined elsewhere or when gone). */
export function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = fsSync.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

/** True while pid is a live process (a zombie is not). EPERM means alive but someone else's. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const st = procStat(pid);
  return !st || st.state !== 'Z';
}

/** The command line of a process (Linux /proc, else `ps`), or '' when it cannot be read. */
function commandLine(pid: number): string {
  try {
    return fsSync.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return '';
    }
  }
}

/** The postmaster of this data folder if one is really running (its pid is a postgres on that folder). */
export function runningPostmaster(databaseDir: string): Postmaster | undefined {
  const pm = readPostmasterPid(databaseDir);
  if (!pm || !processAlive(pm.pid)) return undefined;
  const abs = path.resolve(databaseDir);
  const cmd = commandLine(pm.pid);
  if (path.basename(cmd.trim().split(' ')[0] ?? '') !== 'postgres') return undefined;
  if (!cmd.includes(abs) && path.resolve(pm.dataDir) !== abs) return undefined;
  return pm;
}

interface Owner {
  pid: number;
  start?: string;
}

export function ownerFile(dir: string): string {
  return path.join(dir, 'pg-owner');
}

/** The live process that started the postmaster of dir, if it is still running. */
function liveOwner(dir: string): Owner | undefined {
  let owner: Owner;
  try {
    owner = JSON.parse(fsSync.readFileSync(ownerFile(dir), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(owner.pid) || owner.pid === process.pid || !processAlive(owner.pid)) return undefined;
  const st = procStat(owner.pid);
  if (st && owner.start && st.start !== owner.start) return undefined; // the pid was reused
  return owner;
}

/** Asks a postmaster for a fast shutdown and waits for it to be gone (then immediate shutdown). */
async function stopPostmaster(pid: number, databaseDir: string, waitMs = 30_000): Promise<boolean> {
  const gone = () => !processAlive(pid) || !fsSync.existsSync(path.join(databaseDir, 'postmaster.pid'));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') {
        throw new StartError(`a PostgreSQL left running on ${databaseDir} (pid ${pid}) belongs to another OS user: stop it as that user (kill -INT ${pid}) or start Mastery as that user.`);
      }
    }
  };
  signal('SIGINT');
  for (let waited = 0; waited < waitMs; waited += 100) {
    if (gone()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  signal('SIGQUIT');
  for (let waited = 0; waited < 5_000; waited += 100) {
    if (gone()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return gone();
}

/**
 * Before a start on dataDir: a postmaster whose owner is alive refuses the start (a second server on one
 * data folder); one whose owner is gone is stopped safely; a postmaster.pid whose process is gone is
 * removed (PostgreSQL would refuse to start).
 */
export async function clearLeftBehind(abs: string, databaseDir: string, log?: Logger): Promise<void> {
  const running = runningPostmaster(databaseDir);
  if (running) {
    const owner = liveOwner(abs);
    if (owner) {
      throw new StartError(`another Mastery (pid ${owner.pid}) is already running with DATA_DIR ${abs}: stop it first, or give this one its own DATA_DIR and EMBEDDED_PG_PORT (npm run cli and npm run worker use the running one by themselves).`);
    }
    log?.warn({ pid: running.pid }, 'stopping the embedded PostgreSQL left running by a Mastery that did not stop cleanly');
    if (!(await stopPostmaster(running.pid, databaseDir))) {
      throw new StartError(`the PostgreSQL left running on ${databaseDir} (pid ${running.pid}) did not stop: stop it (kill -INT ${running.pid}) and start again.`);
    }
  } else if (readPostmasterPid(databaseDir)) {
    // Its process is gone (or the pid now belongs to another program): PostgreSQL would refuse to start.
    await fs.rm(path.join(databaseDir, 'postmaster.pid'), { force: true });
  }
}
