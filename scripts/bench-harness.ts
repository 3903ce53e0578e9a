/**
 * What the HTTP benchmarks share: the apps under test run in child processes of the benchmark script
 * (so the load generator shares an event loop with none of them), report readiness and CPU time over
 * IPC and stop when told to or when the parent goes away; plus number formatting and percentiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freeLoopbackPort, startEmbedded } from '../src/db/index.js';

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
  const { readFile, readdir } = fs;
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

/** One keep-alive connection of `KeepAliveClient`, and the response it is reading. */
interface Conn {
  socket: net.Socket;
  chunks: Buffer[];
  length: number;
  /** Header block size (with its blank line) and Content-Length, once the headers are in. */
  head?: { size: number; status: number; contentLength: number };
  pending?: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
  used: boolean;
}

/**
 * A lean HTTP/1.1 keep-alive client for load generation: POSTs on a pool of plain sockets, one request at
 * a time per socket, responses read by Content-Length (what express sends). node:http's agent spent about
 * a third of the load generator's CPU on a machine it shares with the servers under test. A request on a
 * reused socket that the server closed meanwhile (its keep-alive timeout) is sent again on a new one.
 */
export class KeepAliveClient {
  private idle: Conn[] = [];
  private readonly open = new Set<Conn>();
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  async post(path: string, body: string, contentType = 'application/x-www-form-urlencoded'): Promise<{ status: number; body: string }> {
    const request = `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const conn = this.idle.pop();
    if (conn) {
      try {
        return await this.send(conn, request);
      } catch (err) {
        if (!(err as { reused?: boolean }).reused) throw err;
      }
    }
    return this.send(await this.connect(), request);
  }

  destroy(): void {
    for (const c of this.open) c.socket.destroy();
    this.open.clear();
    this.idle = [];
  }

  private async connect(): Promise<Conn> {
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    const conn: Conn = { socket, chunks: [], length: 0, used: false };
    this.open.add(conn);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
    } catch (err) {
      this.open.delete(conn);
      socket.destroy();
      throw err;
    }
    socket.on('data', (b: Buffer) => this.onData(conn, b));
    const gone = (err?: Error) => {
      this.open.delete(conn);
      this.idle = this.idle.filter((c) => c !== conn);
      const p = conn.pending;
      if (p) {
        conn.pending = undefined;
        clearTimeout(p.timer);
        // Nothing of the answer arrived on a socket used before: the server had closed it (keep-alive timeout).
        const e = Object.assign(err ?? new Error('connection closed by the server'), { reused: conn.used && conn.length === 0 });
        p.reject(e);
      }
    };
    socket.on('error', gone);
    socket.on('close', () => gone());
    return conn;
  }

  private send(conn: Conn, request: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.socket.destroy(new Error('timeout'));
      }, this.timeoutMs);
      conn.pending = { resolve, reject, timer };
      conn.chunks = [];
      conn.length = 0;
      conn.head = undefined;
      conn.socket.write(request);
    });
  }

  private onData(conn: Conn, b: Buffer): void {
    conn.chunks.push(b);
    conn.length += b.length;
    if (!conn.head) {
      const all = conn.chunks.length === 1 ? conn.chunks[0] : Buffer.concat(conn.chunks);
      conn.chunks = [all];
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = all.toString('latin1', 0, end);
      const status = Number(head.slice(9, 12));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!m) {
        conn.socket.destroy(new Error(`response without Content-Length (status ${status})`));
        return;
      }
      conn.head = { size: end + 4, status, contentLength: Number(m[1]) };
    }
    const h = conn.head;
    if (conn.length < h.size + h.contentLength) return;
    const all = conn.chunks.length === 1 ? conn.chunks[0] : Buffer.concat(conn.chunks);
    const p = conn.pending!;
    conn.pending = undefined;
    clearTimeout(p.timer);
    conn.used = true;
    this.idle.push(conn);
    p.resolve({ status: h.status, body: all.toString('utf8', h.size, h.size + h.contentLength) });
  }
}

/** A benchmark's own embedded PostgreSQL, in a temporary folder that `stop` removes. */
export interface BenchPostgres {
  url: string;
  /** The folder holding the cluster (`pg/` inside it, see postgresCpuMs). */
  dir: string;
  version: string;
  stop(): Promise<void>;
}

export async function benchPostgres(): Promise<BenchPostgres> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-bench-pg-'));
  await fs.chmod(dir, 0o777);
  const removeDir = () => fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  let emb: Awaited<ReturnType<typeof startEmbedded>>;
  try {
    emb = await startEmbedded(dir, await freeLoopbackPort());
  } catch (err) {
    await removeDir();
    throw err;
  }
  const admin = new pg.Pool({ connectionString: emb.url, max: 1 });
  const version = (await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0].v;
  await admin.end();
  return {
    url: emb.url,
    dir,
    version,
    async stop() {
      await emb.stop().catch(() => undefined);
      await removeDir();
    },
  };
}

/**
 * Runs `cleanup` once: when called, after `limitMs` (then exits 1: a benchmark must never hang CI) or on
 * SIGINT (exits 130). `done()` runs it and disarms the watchdog.
 */
export function guardRun(name: string, limitMs: number, cleanup: () => Promise<void>): { cleanup: () => Promise<void>; done: () => Promise<void> } {
  let once: Promise<void> | undefined;
  const run = () => (once ??= cleanup().catch(() => undefined));
  const watchdog = setTimeout(() => {
    process.stderr.write(`${name}: gave up after ${limitMs / 1000} s\n`);
    void run().finally(() => process.exit(1));
  }, limitMs);
  watchdog.unref();
  process.once('SIGINT', () => void run().finally(() => process.exit(130)));
  return {
    cleanup: run,
    async done() {
      await run();
      clearTimeout(watchdog);
    },
  };
}

/** What a load generator reads off a practice page, in one scan: the first value of each form field, and the step offered. */
export interface FormPage {
  fields: Map<string, string>;
  step: 'submit' | 'next' | 'continue' | null;
}
const PAGE_TOKENS = /name="([\w-]+)" value="([^"]*)"|data-testid="(submit|next|continue)"/g;
export function scanPage(html: string): FormPage {
  const fields = new Map<string, string>();
  let step: FormPage['step'] = null;
  for (const m of html.matchAll(PAGE_TOKENS)) {
    if (m[3]) step ??= m[3] as FormPage['step'];
    else if (!fields.has(m[1])) fields.set(m[1], decodeEntities(m[2]));
  }
  return { fields, step };
}

/** Form posts over keep-alive sockets, one KeepAliveClient per host. */
export class FormPoster {
  private readonly clients = new Map<string, KeepAliveClient>();
  constructor(private readonly timeoutMs: number) {}

  post(url: URL, form: URLSearchParams): Promise<{ status: number; body: string }> {
    let client = this.clients.get(url.host);
    if (!client) this.clients.set(url.host, (client = new KeepAliveClient(url.hostname, Number(url.port), this.timeoutMs)));
    return client.post(url.pathname + url.search, form.toString());
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
  }
}
