import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freeLoopbackPort } from '../../src/db/index.js';

/** `npm start` with WEB_CONCURRENCY=2: one primary, two web processes on one port, one embedded database. */
describe('several web processes (WEB_CONCURRENCY)', function () {
  this.timeout(120_000);
  let proc: ChildProcess | undefined;
  let dataDir: string;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-cluster-'));
    await fs.chmod(dataDir, 0o777);
  });
  after(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** Resolves with the first log line (JSON) that `pred` accepts, among those seen so far or to come. */
  const waitFor = (pred: (l: Record<string, unknown>) => boolean, ms = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such log line within ${ms} ms; saw: ${lines.map((l) => l.msg).join(' | ')}`)), ms);
      const check = () => {
        const hit = lines.find(pred);
        if (!hit) return false;
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      if (check()) return;
      const poll = setInterval(() => check() && clearInterval(poll), 100);
    });
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('serves from two processes, replaces one that dies, and stops everything on SIGTERM', async () => {
    const port = await freeLoopbackPort();
    const pgPort = await freeLoopbackPort();
    proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'development', WEB_CONCURRENCY: '2', PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir, LOG_LEVEL: 'info', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    proc.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* the sandbox and admin-token notes are plain text */
        }
      }
    });
    await waitFor((l) => l.msg === 'mastery is listening with several web processes');
    await waitFor(() => lines.filter((l) => l.msg === 'mastery is listening').length >= 2, 10_000);
    const web = lines.filter((l) => l.msg === 'mastery is listening').map((l) => Number(l.pid));
    expect(new Set(web).size).to.equal(2);
    expect(web).to.not.include(proc.pid);
    // The first process migrated alone: every migration applied exactly once.
    const applied = lines.filter((l) => l.msg === 'migration applied').map((l) => String(l.migration));
    expect(new Set(applied).size).to.equal(applied.length);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).to.equal(200);
    const home = await fetch(`http://127.0.0.1:${port}/sandbox`);
    expect(home.status).to.equal(200);

    process.kill(web[0], 'SIGKILL');
    const replaced = await waitFor((l) => l.msg === 'mastery is listening' && !web.includes(Number(l.pid)));
    expect(lines.some((l) => l.msg === 'web process exited; starting another')).to.equal(true);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);

    const exited = new Promise<number | null>((resolve) => proc!.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(alive(web[1])).to.equal(false);
    expect(alive(Number(replaced.pid))).to.equal(false);
    // The embedded database was stopped too: its port is free again.
    const net = await import('node:net');
    await new Promise<void>((resolve, reject) => {
      const s = net.createServer().once('error', reject).listen(pgPort, '127.0.0.1', () => s.close(() => resolve()));
    });
  });
});
