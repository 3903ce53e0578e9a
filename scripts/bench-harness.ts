/**
 * What the HTTP benchmarks share: the apps under test run in child processes of the benchmark script
 * (so the load generator shares an event loop with none of them), report readiness and CPU time over
 * IPC and stop when told to or when the parent goes away; plus number formatting and percentiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const int = (v: string | undefined, d: number) => (v && /^\d+$/.test(v) ? Number(v) : d);
export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
export const round = (n: number, d: number) => (Number.isFinite(n) ? Number(n.toFixed(d)) : null);

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** A message between the benchmark and a child; every child says `ready` (with its own fields) or `error`. */
export type HarnessMessage = { type: string; [k: string]: unknown };

/** In a child: sends a message to the benchmark. */
export function childSend(msg: HarnessMessage): void {
  process.send?.(msg);
}

/**
 * In a child: stops when told to, or when the parent goes away; answers `cpu` with its CPU time so far.
 * Other messages go to `extra`.
 */
export function onStop(stop: () => Promise<void>, extra?: (m: { type?: string; n?: number }) => void): void {
  let stopping = false;
  const go = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 5_000);
    force.unref();
    stop()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on('message', (m: { type?: string; n?: number }) => {
    if (m?.type === 'stop') go();
    else if (m?.type === 'cpu') {
      const u = process.cpuUsage();
      childSend({ type: 'cpu', ms: (u.user + u.system) / 1000 });
    } else extra?.(m);
  });
  process.on('disconnect', go);
}

/** A child process and the last lines it printed (for error messages). */
export interface Child {
  proc: ChildProcess;
  output: string[];
}

/**
 * Forks `script` as `--child <role>` with NODE_ENV=production and its config in BENCH_CHILD_CONFIG;
 * `ready` resolves with the child's `ready` message, or rejects on its `error`, its exit or a timeout.
 */
export function startChild<R extends HarnessMessage>(
  scriptUrl: string,
  role: string,
  cfg: object,
  timeoutMs: number,
  execArgv: string[] = process.execArgv,
): { child: Child; ready: Promise<R> } {
  const proc = fork(fileURLToPath(scriptUrl), ['--child', role], {
    env: { ...process.env, NODE_ENV: 'production', BENCH_CHILD_CONFIG: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv,
  });
  const child: Child = { proc, output: [] };
  const keep = (b: Buffer) => {
    child.output.push(...b.toString().split('\n').filter((l) => l.trim()));
    if (child.output.length > 200) child.output.splice(0, child.output.length - 200);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const ready = new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (m: HarnessMessage) => {
      if (m.type !== 'ready' && m.type !== 'error') return;
      clearTimeout(timer);
      proc.off('message', onMessage);
      if (m.type === 'ready') resolve(m as R);
      else reject(new Error(String(m.message)));
    };
    proc.on('message', onMessage);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const last = child.output.filter((l) => /error/i.test(l)).slice(-3).join(' | ') || child.output.slice(-3).join(' | ');
      reject(new Error(`${role} exited before it was ready (${signal ?? `code ${code}`})${last ? `: ${last.slice(0, 600)}` : ''}`));
    });
  });
  ready.catch(() => undefined);
  return { child, ready };
}

/** Sends `msg` to a child and waits for its answer of type `want` (an `error` answer rejects). */
export function ask<T extends HarnessMessage>(child: Child, msg: object, want: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.proc.off('message', onMessage);
      reject(new Error(`no ${want} answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onMessage = (m: HarnessMessage) => {
      if (m.type !== want && m.type !== 'error') return;
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      if (m.type === 'error') reject(new Error(String(m.message)));
      else resolve(m as T);
    };
    child.proc.on('message', onMessage);
    child.proc.send(msg);
  });
}

/** CPU time (user + system, ms) the child process has used so far. */
export const childCpuMs = async (child: Child): Promise<number> => (await ask<{ type: 'cpu'; ms: number }>(child, { type: 'cpu' }, 'cpu', 5_000)).ms;

/** Asks a child to stop; kills it if it has not exited within 8 s. */
export async function stopChild(child: Child | undefined): Promise<void> {
  if (!child || child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
  if (child.proc.connected) child.proc.send({ type: 'stop' });
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 8_000);
  await exited;
  clearTimeout(timer);
}

/** The entry point of a benchmark script: a child role (`--child <role>`) or the benchmark itself. */
export function runBenchmark(name: string, main: () => Promise<void>, children: Record<string, (cfg: never) => Promise<void>>): void {
  const role = process.argv[2] === '--child' ? process.argv[3] : undefined;
  if (role) {
    const cfg = JSON.parse(process.env.BENCH_CHILD_CONFIG ?? '{}') as never;
    const run = children[role];
    (run ? run(cfg) : Promise.reject(new Error(`unknown child role ${role}`))).catch((err: Error) => {
      childSend({ type: 'error', message: `${role} failed to start: ${err.message}` });
      setTimeout(() => process.exit(1), 100);
    });
    return;
  }
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`${name} failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}

/**
 * CPU time (ms) used so far by a PostgreSQL server: its postmaster (with the children that have exited)
 * and its running backends, from /proc (Linux; NaN elsewhere). `pgDataDir` holds postmaster.pid.
 */
export async function postgresCpuMs(pgDataDir: string): Promise<number> {
  const { readFile, readdir } = await import('node:fs/promises');
  const TICK_MS = 10; // USER_HZ is 100 on Linux
  const stat = async (pid: string) => {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: f[1], ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
  };
  try {
    const postmaster = (await readFile(`${pgDataDir}/postmaster.pid`, 'utf8')).split('\n')[0].trim();
    const own = await stat(postmaster);
    let ticks = own.ticks + own.childTicks;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid) || pid === postmaster) continue;
      const s = await stat(pid).catch(() => undefined);
      if (s?.ppid === postmaster) ticks += s.ticks;
    }
    return ticks * TICK_MS;
  } catch {
    return NaN;
  }
}
