/**
 * Soak test (issue 12): N students answer through HTTP for M minutes against the tool as `npm start`
 * runs it (a child process, WEB_CONCURRENCY=2, embedded PostgreSQL, the sandbox LMS receiving the
 * grades), while the run kills a web process (-9), kills the whole tool (-9) and starts it again,
 * restarts PostgreSQL, and has the sandbox LMS answer 500, 429 and too slowly (time-outs). Then it lets
 * the grade outbox drain and counts: answers acknowledged, stored, lost, double-counted, students whose
 * newest grade is missing from the sandbox gradebook, and the errors students saw.
 *
 *   npm run soak -- [--students 50] [--minutes 2]      (or SOAK_STUDENTS, SOAK_MINUTES)
 *
 * Students are the sandbox's synthetic students (SANDBOX_STUDENTS), each launched through the real OIDC
 * login with an id_token the sandbox key signs. A student thinks ~1 s per step; a request that fails is
 * sent again after a second, as a student presses the button again (the same submission id). Only
 * 127.0.0.1 is contacted. Prints a table and, as its last line, one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { attachEmbedded, freeLoopbackPort } from '../src/db/index.js';
import { readPostmasterPid, processAlive } from '../src/db/embedded.js';
import { int, type FormPage, scanPage } from './bench-harness.js';

const { values: args } = parseArgs({ options: { students: { type: 'string' }, minutes: { type: 'string' } }, allowPositionals: true });
const STUDENTS = int(args.students ?? process.env.SOAK_STUDENTS, 50);
/** A student whose request failed tries again after this long. */
const RETRY_MS = 2000;
const MINUTES = Number(args.minutes ?? process.env.SOAK_MINUTES ?? 2) || 2;
const THINK_S = 1;
const LINK = 'demo-link-fractions';
const SKILLS = 'unit-fractions,equivalent-fractions,simplest-form,comparing-fractions,add-like-denominators';
const RIGHT = 0.75;
const out = (s = '') => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Item = import('../src/content/content.schema.js').Item;

type Page = FormPage;

interface Student {
  id: string;
  ltik: string;
  page: Page;
  upcoming: Page | null;
  rng: () => number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-soak-'));
  await fs.chmod(dataDir, 0o777);
  const port = await freeLoopbackPort();
  const pgPort = await freeLoopbackPort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    PUBLIC_URL: base,
    EMBEDDED_PG_PORT: String(pgPort),
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    WEB_CONCURRENCY: '2',
    SANDBOX: '1',
    SANDBOX_STUDENTS: String(STUDENTS),
    LOG_LEVEL: 'warn',
    GRADE_REQUEST_TIMEOUT_MS: '1500',
    GRADE_BACKOFF_BASE_MS: '250',
    GRADE_BACKOFF_MAX_MS: '4000',
    GRADE_POLL_MS: '500',
    GRADE_LEASE_MS: '5000',
    GRADE_MAX_ATTEMPTS: '1000',
  };

  // ---- the tool as a child process ------------------------------------------------------------------
  let tool: ChildProcess | undefined;
  const toolLog: string[] = [];
  const startTool = async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      toolLog.push(...b.toString().split('\n').filter((l) => l.trim()));
      if (toolLog.length > 2000) toolLog.splice(0, toolLog.length - 2000);
    };
    p.stdout!.on('data', keep);
    p.stderr!.on('data', keep);
    tool = p;
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      if (p.exitCode !== null) throw new Error(`the tool exited while starting: ${toolLog.slice(-3).join(' | ')}`);
      const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) }).then((r) => r.status === 200, () => false);
      if (ok) return;
      await sleep(250);
    }
    throw new Error('the tool did not become ready within 120 s');
  };
  const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())));
  const children = (ppid: number) =>
    fs.readdir('/proc').then(async (pids) => {
      const found: number[] = [];
      for (const pid of pids.filter((p) => /^\d+$/.test(p))) {
        const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (Number(f[1]) === ppid && cmd.includes('src/main.ts')) found.push(Number(pid));
      }
      return found;
    });

  // ---- the sandbox's fault knobs (kept in each web process: sent over fresh connections to reach both) --
  let faults: Record<string, unknown> = {};
  const putFaults = async (f: Record<string, unknown>) => {
    faults = f;
    const body = JSON.stringify({ failPercent: 0, tooManyNext: 0, delayMs: 0, downForMs: 0, retryAfterS: 1, ...f });
    await Promise.all(
      Array.from({ length: 8 }, () =>
        new Promise<void>((resolve) => {
          const req = http.request(`${base}/sandbox/control/faults`, { method: 'PUT', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.setTimeout(3000, () => req.destroy());
          req.on('error', () => resolve());
          req.end(body);
        }),
      ),
    );
  };

  let pool: pg.Pool | undefined;
  const cleanup = async () => {
    if (tool && tool.exitCode === null) {
      tool.kill('SIGTERM');
      await Promise.race([exited(tool), sleep(20_000)]);
      if (tool.exitCode === null) tool.kill('SIGKILL');
    }
    await pool?.end().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  const watchdog = setTimeout(() => {
    process.stderr.write('soak: gave up (time limit)\n');
    void cleanup().finally(() => process.exit(1));
  }, (MINUTES * 60 + 600) * 1000);
  watchdog.unref();

  try {
    await startTool();
    out(`soak: ${STUDENTS} students for ${MINUTES} min against ${base} (WEB_CONCURRENCY=2, embedded PostgreSQL)`);
    pool = new pg.Pool({ connectionString: (await attachEmbedded(dataDir))!, max: 4 });
    pool.on('error', () => undefined);

    // ---- students: the real OIDC login, an id_token signed with the sandbox key for each -------------
    const { SandboxPlatform } = await import('../src/sandbox/platform.js');
    const { PlatformRegistry } = await import('../src/lti/registry.js');
    const { Browser, postLaunch, land } = await import('../test/helpers/launch.js');
    process.env.SANDBOX_STUDENTS = String(STUDENTS); // the same synthetic roster as the tool's
    const sandbox = new SandboxPlatform(pool, new PlatformRegistry(pool), base);
    await sandbox.init();
    const roster = sandbox.lms.members().filter((u) => u.id.startsWith('sandbox-extra-'));
    const template = sandbox.lms.members().find((u) => u.role === 'student')!;
    const launchOne = async (k: number): Promise<Student> => {
      const user = roster[k];
      const browser = new Browser(base);
      // The login names a demo student (the sandbox's authorization page knows only those); the id_token,
      // signed here with the sandbox key, names the synthetic student, as bench:practice does.
      const login = await browser.fetch(await sandbox.loginUrl({ user: template.id, link: LINK, custom: { skills: SKILLS, threshold: '0.95' } }));
      if (login.status !== 302) throw new Error(`login answered ${login.status}`);
      const authUrl = new URL(login.headers.get('location')!);
      const nonce = authUrl.searchParams.get('nonce')!;
      const state = authUrl.searchParams.get('state');
      if (!state || !nonce) throw new Error(`the login of ${user.id} redirected to ${authUrl.origin}${authUrl.pathname} without a state`);
      const claims = sandbox.launchClaims(user, LINK, 'canvas', nonce, { skills: SKILLS, threshold: '0.95' });
      const res = await postLaunch(browser, { id_token: await sandbox.signIdToken(claims), state });
      if (res.status !== 303) throw new Error(`launch of ${user.id} answered ${res.status}`);
      const { html, ltik } = await land(browser, new URL(res.headers.get('location')!, base).toString());
      let x = (k + 1) * 2654435761;
      const s: Student = { id: user.id, ltik, page: { fields: new Map(), step: null }, upcoming: null, rng: () => ((x = (x * 1103515245 + 12345) % 2147483648), x / 2147483648) };
      absorb(s, html);
      return s;
    };
    const absorb = (s: Student, body: string) => {
      const at = body.indexOf('<template id="upcoming"');
      s.page = scanPage(at >= 0 ? body.slice(0, at) : body);
      s.upcoming = at >= 0 ? scanPage(body.slice(at)) : null;
      const fresh = s.page.fields.get('ltik');
      if (fresh) s.ltik = fresh;
    };
    const students: Student[] = [];
    {
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < STUDENTS) {
          const k = next++;
          students[k] = await launchOne(k);
        }
      }));
    }
    out(`launched ${students.length} students in ${((performance.now() - started) / 1000).toFixed(1)} s (incl. the tool's start)`);

    // ---- the answers each student knows ------------------------------------------------------------------
    const { loadDemoPack } = await import('../src/content/content.files.js');
    const { correctResponse, distractorResponses } = await import('../src/content/grading.js');
    const { instantiate, isTemplate } = await import('../src/content/templates.js');
    const pack = await loadDemoPack();
    const items = new Map(pack.items.map((i) => [i.id, i]));
    const answersTo = (id: string, seed: number): { item: Item; right: unknown; wrong: unknown } => {
      const template = items.get(id)!;
      const item = isTemplate(template) ? instantiate(template, seed).item : template;
      return { item, right: correctResponse(item), wrong: distractorResponses(item)[0] ?? '__definitely wrong__' };
    };

    const sent = new Set<string>();
    const acknowledged = new Set<string>();
    /** When each answer was acknowledged (s since the start) and after how many sends: to place a loss. */
    const ackedAt = new Map<string, { at: number; tries: number }>();
    const triesOf = new Map<string, number>();
    const errors = new Map<string, number>();
    let studentErrors = 0;
    let running = true;
    const send = async (s: Student, p: string, fields: [string, string][]) => {
      const res = await fetch(`${base}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([['ltik', s.ltik], ...fields]).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      const body = await res.text();
      if (res.status >= 400) throw new Error(`${p} answered ${res.status}`);
      absorb(s, body);
    };
    const step = async (s: Student) => {
      const f = s.page.fields;
      if (s.page.step === 'submit') {
        const itemId = f.get('item_id')!;
        const seed = f.get('seed') ?? '0';
        const submission = f.get('submission_id')!;
        const { item, right, wrong } = answersTo(itemId, Number(seed));
        const response = s.rng() < RIGHT ? right : wrong;
        const fields: [string, string][] = [['submission_id', submission], ['item_id', itemId], ['seed', seed], ['shown_at', f.get('shown_at') ?? '']];
        if (item.type === 'ordering') (response as readonly string[]).forEach((id, i) => fields.push([`order_${id}`, String(i + 1)]));
        else for (const r of typeof response === 'string' ? [response] : [...(response as readonly string[])]) fields.push(['response', r]);
        const key = `${s.id}\u0000${submission}`;
        sent.add(key);
        // A failed answer is sent again (the same submission) until it is acknowledged, as a student would.
        for (;;) {
          try {
            await send(s, '/practice/answer', fields);
            acknowledged.add(key);
            ackedAt.set(key, { at: (performance.now() - started) / 1000, tries: (triesOf.get(key) ?? 0) + 1 });
            return;
          } catch (err) {
            const why = (err as Error).message.replace(/fetch failed/, 'connection failed');
            errors.set(why, (errors.get(why) ?? 0) + 1);
            studentErrors++;
            triesOf.set(key, (triesOf.get(key) ?? 0) + 1);
            if (!running) return;
            await sleep(RETRY_MS);
          }
        }
      } else if (s.page.step === 'next' && s.upcoming) {
        s.page = s.upcoming;
        s.upcoming = null;
      } else if (s.page.step === 'next') {
        await send(s, '/practice/next', []);
      } else if (s.page.step === 'continue') {
        await send(s, '/practice/studied', [['item_id', f.get('item_id')!], ['seed', f.get('seed') ?? '0']]);
      } else {
        await send(s, '/practice', []); // a finished or unreadable page: open practice again
      }
    };
    const end = performance.now() + MINUTES * 60_000;
    const loops = students.map(async (s) => {
      while (performance.now() < end) {
        await sleep(-Math.log(1 - s.rng()) * THINK_S * 1000);
        if (performance.now() >= end) break;
        try {
          await step(s);
        } catch (err) {
          const why = (err as Error).message.replace(/fetch failed/, 'connection failed');
          errors.set(why, (errors.get(why) ?? 0) + 1);
          studentErrors++;
          await sleep(RETRY_MS);
          await send(s, '/practice', []).catch(() => undefined);
        }
      }
    });

    // ---- what goes wrong meanwhile ---------------------------------------------------------------------
    const events: string[] = [];
    const t0 = end - MINUTES * 60_000;
    const at = (share: number) => sleep(Math.max(0, t0 + share * MINUTES * 60_000 - performance.now()));
    const chaos = (async () => {
      const note = (what: string) => events.push(`${((performance.now() - t0) / 1000).toFixed(0)}s (${((performance.now() - started) / 1000).toFixed(0)} s since start) ${what}`);
      await at(0.1);
      await putFaults({ failPercent: 30 });
      note('sandbox LMS: 30% of calls answer 500');
      await at(0.2);
      const web = await children(tool!.pid!);
      if (web[0]) process.kill(web[0], 'SIGKILL');
      note(`kill -9 of web process ${web[0] ?? '(none found)'}`);
      await at(0.3);
      await putFaults({ tooManyNext: 40, retryAfterS: 1 });
      note('sandbox LMS: the next 40 calls answer 429 (Retry-After 1)');
      await at(0.4);
      const old = tool!;
      const pm = readPostmasterPid(path.join(dataDir, 'pg'));
      old.kill('SIGKILL');
      await exited(old);
      note('kill -9 of the whole tool (primary)');
      for (let i = 0; i < 100 && pm && processAlive(pm.pid); i++) await sleep(100);
      await startTool();
      await putFaults(faults);
      note('tool started again');
      await at(0.55);
      const pm2 = readPostmasterPid(path.join(dataDir, 'pg'));
      if (pm2) process.kill(pm2.pid, 'SIGINT');
      note('PostgreSQL restarted (fast shutdown; the tool starts it again)');
      await at(0.65);
      await putFaults({ delayMs: 2500 });
      note('sandbox LMS: every answer 2.5 s late (the tool times out at 1.5 s)');
      await at(0.8);
      await putFaults({});
      note('sandbox LMS: faults off');
    })();
    await Promise.all([...loops, chaos]);
    running = false;

    // ---- let the outbox drain, then count -------------------------------------------------------------
    await putFaults({});
    const drainStart = performance.now();
    let pending = -1;
    while (performance.now() - drainStart < 120_000) {
      pending = Number((await pool.query(`SELECT count(*)::int AS n FROM grade_outbox WHERE state = 'pending'`).catch(() => ({ rows: [{ n: -1 }] }))).rows[0].n);
      if (pending === 0) break;
      await sleep(500);
    }
    const drainS = (performance.now() - drainStart) / 1000;

    const stored = (await pool.query<{ user_id: string; submission_id: string }>(`SELECT user_id, submission_id FROM attempts WHERE user_id LIKE 'sandbox-extra-%' AND kind = 'answer'`)).rows;
    const storedKeys = new Map<string, number>();
    for (const r of stored) {
      const k = `${r.user_id}\u0000${r.submission_id}`;
      storedKeys.set(k, (storedKeys.get(k) ?? 0) + 1);
    }
    const lostKeys = [...acknowledged].filter((k) => !storedKeys.has(k));
    const lost = lostKeys.length;
    let doubleCounted = 0;
    for (const [k, n] of storedKeys) doubleCounted += (n - 1) + (sent.has(k) ? 0 : 1);
    const storedNotAcknowledged = [...storedKeys.keys()].filter((k) => !acknowledged.has(k)).length;

    // The newest score of every (student, column) in the outbox against the newest one the sandbox stored.
    const outbox = (await pool.query<{ user_id: string; state: string; given: number | null; url: string | null; last_error: string | null }>(
      `SELECT o.user_id, o.state, (o.score->>'scoreGiven')::float8 AS given, li.lineitem_url AS url, o.last_error
         FROM grade_outbox o LEFT JOIN grade_line_items li USING (tenant_id, resource_link_id, column_key)
        WHERE o.user_id LIKE 'sandbox-extra-%'`,
    )).rows;
    const gradebook = (await pool.query<{ line_item_id: string; user_id: string; score_given: number | null }>(
      `SELECT DISTINCT ON (line_item_id, user_id) line_item_id::text, user_id, score_given FROM sandbox_scores ORDER BY line_item_id, user_id, ts DESC`,
    )).rows;
    const newest = new Map(gradebook.map((g) => [`${g.line_item_id}\u0000${g.user_id}`, g.score_given]));
    const missing = new Set<string>();
    const deadLettered = outbox.filter((o) => o.state === 'failed').length;
    for (const o of outbox) {
      const li = o.url?.split('/').pop() ?? '';
      const got = newest.get(`${li}\u0000${o.user_id}`);
      const same = got !== undefined && (got === null ? o.given === null : o.given !== null && Math.abs(got - o.given) < 1e-9);
      if (o.state !== 'sent' || !same) missing.add(o.user_id);
    }

    // ---- a clean stop at the end ----------------------------------------------------------------------
    const before = toolLog.length;
    tool!.kill('SIGTERM');
    await Promise.race([exited(tool!), sleep(30_000)]);
    const stopCode = tool!.exitCode;
    const stopErrors = toolLog.slice(before).filter((l) => /"level":(50|60)/.test(l)).length;

    out('');
    out('what happened:');
    for (const e of events) out(`  ${e}`);
    for (const k of lostKeys.slice(0, 10)) {
      const [user, submission] = k.split('\u0000');
      const a = ackedAt.get(k);
      out(`  lost: ${user} submission ${submission}, acknowledged at ${a?.at.toFixed(1)} s after ${a?.tries} send(s)`);
    }
    out('');
    out('| figure | value |');
    out('|---|---|');
    out(`| students / minutes | ${STUDENTS} / ${MINUTES} |`);
    out(`| answers sent (distinct) | ${sent.size} |`);
    out(`| answers acknowledged | ${acknowledged.size} |`);
    out(`| answers stored | ${storedKeys.size} (stored but never acknowledged to the student: ${storedNotAcknowledged}) |`);
    out(`| lost (acknowledged, not stored) | ${lost} |`);
    out(`| double-counted | ${doubleCounted} |`);
    out(`| grade outbox rows / still pending / dead-lettered after ${drainS.toFixed(1)} s drain | ${outbox.length} / ${pending} / ${deadLettered} |`);
    out(`| students whose newest grade is missing from the sandbox gradebook | ${missing.size} |`);
    out(`| errors students saw | ${studentErrors} |`);
    for (const [why, n] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 8)) out(`|   ${why} | ${n} |`);
    out(`| clean stop at the end | exit ${stopCode}, ${stopErrors} error lines |`);
    out(`| wall time | ${((performance.now() - started) / 1000).toFixed(0)} s |`);
    await cleanup();
    out(
      JSON.stringify({
        students: STUDENTS,
        minutes: MINUTES,
        acknowledged: acknowledged.size,
        stored: storedKeys.size,
        lost,
        double_counted: doubleCounted,
        newest_grade_missing: missing.size,
        dead_lettered: deadLettered,
        outbox_pending_after_drain: pending,
        student_errors: studentErrors,
        events: events.length,
      }),
    );
  } catch (err) {
    process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n${toolLog.slice(-5).join('\n')}\n`);
    await cleanup();
    process.exit(1);
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`soak failed: ${err.message}\n`);
    process.exit(1);
  },
);
