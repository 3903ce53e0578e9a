import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freeLoopbackPort } from '../../src/db/index.js';
import { readPostmasterPid, processAlive } from '../../src/db/embedded.js';

/**
 * The embedded database after a crash: `kill -9` of the tool (single process, or the primary with
 * WEB_CONCURRENCY=2) and the next start is healthy; the CLI beside a running server uses its database;
 * a start that cannot succeed says why in one sentence.
 */
describe('crash-safe embedded database', function () {
  this.timeout(300_000); // each test starts the tool two or three times; slow on a shared 2-core machine
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];

  after(async () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    // Leave no postgres behind: the watchdogs stop them once their tool is gone; wait for that.
    for (const d of dirs) {
      const pm = readPostmasterPid(path.join(d, 'pg'));
      if (pm && processAlive(pm.pid)) process.kill(pm.pid, 'SIGINT');
    }
    await new Promise((r) => setTimeout(r, 1000));
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  const step = (what: string) => process.env.TEST_LOG && process.stderr.write(`${new Date().toISOString()} ${what}\n`);
  const tempDir = async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-crash-'));
    await fs.chmod(d, 0o777);
    dirs.push(d);
    return d;
  };

  interface Tool {
    proc: ChildProcess;
    lines: Record<string, unknown>[];
    stderr: () => string;
    exited: Promise<number | null>;
  }

  const env = (dataDir: string, port: number, pgPort: number, extra: Record<string, string> = {}) => ({
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    EMBEDDED_PG_PORT: String(pgPort),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    WEB_CONCURRENCY: '1',
    ...extra,
  });

  const startTool = (e: NodeJS.ProcessEnv): Tool => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(proc);
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    let err = '';
    proc.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* plain-text notes */
        }
      }
    });
    proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    return { proc, lines, stderr: () => err, exited };
  };

  const healthy = async (port: number, tool?: Tool, ms = 90_000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (tool && tool.proc.exitCode !== null) throw new Error(`the tool exited with ${tool.proc.exitCode}: ${tool.stderr()}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status === 200, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the tool on port ${port} did not become ready within ${ms} ms`);
  };

  const portFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });

  const waitUntil = async (pred: () => boolean | Promise<boolean>, ms: number, what: string) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await pred()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  const runCli = (e: NodeJS.ProcessEnv, args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...e, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      p.on('exit', (code) => resolve({ code, out, err }));
    });

  it('starts again after kill -9 and after a PostgreSQL restart, the CLI works beside the running server, and a clean stop logs no error', async () => {
    const dataDir = await tempDir();
    const port = await freeLoopbackPort();
    const pgPort = await freeLoopbackPort();
    const e = env(dataDir, port, pgPort);

    const first = startTool(e);
    await healthy(port, first);
    step('first healthy');
    const pm1 = readPostmasterPid(path.join(dataDir, 'pg'))!;
    expect(pm1.port).to.equal(pgPort);

    // The CLI beside the running server: it uses that server's database and starts none of its own.
    const add = await runCli(e, ['platform', 'add', '--preset', 'moodle', '--site-url', 'https://moodle.school.test', '--client-id', 'crash-test', '--deployment', '7']);
    step('cli add done');
    expect(add.err, add.err).to.equal('');
    expect(add.code).to.equal(0);
    expect(add.out).to.match(/Registered .* client crash-test/);
    const list = await runCli(e, ['platform', 'list']);
    expect(list.code, list.err).to.equal(0);
    expect(list.out).to.contain('crash-test');
    expect(readPostmasterPid(path.join(dataDir, 'pg'))!.pid).to.equal(pm1.pid); // no second server
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).to.equal(200);

    // PostgreSQL restarted under the running tool (here: a fast shutdown): the tool starts it again.
    process.kill(pm1.pid, 'SIGINT');
    await waitUntil(() => (readPostmasterPid(path.join(dataDir, 'pg'))?.pid ?? pm1.pid) !== pm1.pid, 30_000, 'postgres to be started again');
    await healthy(port, first);
    const pmNow = readPostmasterPid(path.join(dataDir, 'pg'))!;
    expect(first.lines.some((l) => l.msg === 'the embedded PostgreSQL is running again')).to.equal(true);

    // A second tool on the same DATA_DIR is refused in one sentence; the running one is untouched.
    const second = startTool(env(dataDir, await freeLoopbackPort(), await freeLoopbackPort()));
    expect(await second.exited).to.equal(1);
    step('second refused');
    expect(second.stderr().trim().split('\n')).to.have.length(1);
    expect(second.stderr()).to.match(/^mastery could not start: another Mastery \(pid \d+\) is already running with DATA_DIR .*: stop it first/);
    expect(processAlive(pmNow.pid)).to.equal(true);

    // kill -9: the database goes down with the tool (its watchdog), and the next start is healthy.
    first.proc.kill('SIGKILL');
    await first.exited;
    await waitUntil(() => !processAlive(pmNow.pid), 15_000, 'the orphaned postgres to stop');
    step('orphan gone');
    const again = startTool(e);
    await healthy(port, again);
    step('restarted');
    expect(again.stderr()).to.equal('');
    const list2 = await runCli(e, ['platform', 'list']);
    expect(list2.out).to.contain('crash-test'); // the data survived

    // Moodle's plain GET of the tool URL (sent when a teacher saves an activity): a friendly page, no warning.
    const moodleCheck = await fetch(`http://127.0.0.1:${port}/lti/launch`);
    expect(moodleCheck.status).to.equal(200);
    expect(await moodleCheck.text()).to.contain('open the activity from your course');

    // A clean stop: exit 0, no warning or error (level >= 40) in the log, nothing on stderr, the database is down.
    again.proc.kill('SIGTERM');
    expect(await again.exited).to.equal(0);
    expect(again.lines.filter((l) => Number(l.level) >= 40).map((l) => l.msg)).to.deep.equal([]);
    expect(again.lines.some((l) => l.msg === 'stopped cleanly')).to.equal(true);
    expect(again.stderr()).to.equal('');
    expect(await portFree(pgPort)).to.equal(true);
    expect(readPostmasterPid(path.join(dataDir, 'pg'))).to.equal(undefined);
  });

  it('stops a postgres left behind without its watchdog, and recovers after kill -9 of the cluster primary', async () => {
    const dataDir = await tempDir();
    const port = await freeLoopbackPort();
    const pgPort = await freeLoopbackPort();
    const e = env(dataDir, port, pgPort, { WEB_CONCURRENCY: '2' });

    const first = startTool(e);
    await healthy(port, first);
    const pm1 = readPostmasterPid(path.join(dataDir, 'pg'))!;
    // The worst case: the tool AND its watchdog die at once, so postgres really is left running.
    const watchdogs = (await fs.readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
    let killedWatchdog = false;
    for (const p of watchdogs) {
      const cmd = await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes('mastery-pg-watchdog') && cmd.endsWith(`\0${pm1.pid}\0`)) {
        process.kill(Number(p), 'SIGKILL');
        killedWatchdog = true;
      }
    }
    expect(killedWatchdog, 'a watchdog runs beside the embedded postgres').to.equal(true);
    first.proc.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(processAlive(pm1.pid), 'postgres is left running').to.equal(true);

    const again = startTool(e);
    await healthy(port, again);
    const pm2 = readPostmasterPid(path.join(dataDir, 'pg'))!;
    expect(pm2.pid).to.not.equal(pm1.pid);
    expect(processAlive(pm1.pid)).to.equal(false);
    expect(again.lines.some((l) => String(l.msg).includes('left running'))).to.equal(true);

    // kill -9 of the primary: its web processes and postgres go too; the next start is healthy.
    again.proc.kill('SIGKILL');
    await again.exited;
    await waitUntil(() => !processAlive(pm2.pid), 15_000, 'postgres to stop after the primary died');
    await waitUntil(() => portFree(port), 15_000, 'the web processes to exit after the primary died');
    const third = startTool(e);
    await healthy(port, third);
    third.proc.kill('SIGTERM');
    expect(await third.exited).to.equal(0);
    expect(third.lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg)).to.deep.equal([]);
  });

  it('a start that cannot succeed prints one sentence saying what to do, and leaves no database running', async () => {
    const dataDir = await tempDir();
    const pgPort = await freeLoopbackPort();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const tool = startTool(env(dataDir, port, pgPort));
      expect(await tool.exited).to.equal(1);
      const err = tool.stderr().trim();
      expect(err.split('\n'), err).to.have.length(1);
      expect(err).to.equal(`mastery could not start: port ${port} is already in use (another Mastery or another program): stop it, or set PORT to a free port.`);
      expect(err).to.not.contain('undefined');
      await waitUntil(() => portFree(pgPort), 15_000, 'the embedded database to stop after the failed start');
    } finally {
      blocker.close();
    }

    // The embedded PostgreSQL's port taken by another program.
    const pgBlocker = net.createServer();
    await new Promise<void>((r) => pgBlocker.listen(0, '127.0.0.1', r));
    try {
      const taken = (pgBlocker.address() as net.AddressInfo).port;
      const tool = startTool(env(dataDir, await freeLoopbackPort(), taken));
      expect(await tool.exited).to.equal(1);
      expect(tool.stderr().trim()).to.equal(`mastery could not start: the embedded PostgreSQL cannot listen on port ${taken}, which another program uses: set EMBEDDED_PG_PORT to a free port.`);
    } finally {
      pgBlocker.close();
    }
  });

  it('as root, a DATA_DIR the postgres user cannot reach is named in one sentence', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const outer = await tempDir();
    await fs.chmod(outer, 0o700);
    const dataDir = path.join(outer, 'data');
    const tool = startTool(env(dataDir, await freeLoopbackPort(), await freeLoopbackPort()));
    expect(await tool.exited).to.equal(1);
    const err = tool.stderr().trim();
    expect(err.split('\n')).to.have.length(1);
    expect(err).to.equal(
      `mastery could not start: Mastery runs as root, so its embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${outer} on the way to DATA_DIR ${dataDir}: set DATA_DIR to a folder it can reach (for example /var/lib/mastery), run Mastery as an ordinary user, or set DATABASE_URL.`,
    );
  });
});
