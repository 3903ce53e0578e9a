/**
 * Dashboard benchmark (issue 16): the instructor's pages of a big course while its students are answering.
 *
 *   npm run bench:dashboard     (BENCH_SECONDS measured, default 30; BENCH_QUIET_SECONDS before it, default 10; BENCH_STUDENTS 300, BENCH_SKILLS 20,
 *                                BENCH_ANSWERS 200 per student, BENCH_LOAD 200 students answering,
 *                                BENCH_PROCESSES server processes, default the number of CPUs)
 *
 * One embedded PostgreSQL; Mastery as deployed (NODE_ENV=production, SANDBOX=1, logs silent) in BENCH_PROCESSES
 * child processes. A synthetic pack of 20 skills x 25 items (500 items) is imported, and a course of 300 students
 * x 200 first tries each (10 per skill, about 2 in 3 right, with hints and times) is written straight into the
 * attempt log with SQL, the learner rows replayed by the engine from it (no HTTP). Then 200 of those students
 * launch through the sandbox (OIDC) and keep answering with a think time of about 1 s (the paced load of
 * bench:practice), while three teacher loops, one request at a time each, time:
 *   - the class view         GET /dashboard                      (students x skills, who may need help)
 *   - a student's drill-down GET /dashboard/students/:userId     (a random student of the course)
 *   - item analysis          GET /dashboard/analysis/items       (500 items)
 * each with the session token in the Authorization header, first alone (quiet phase) and then beside the load
 * (the figures of the JSON line). A route that answers 404 (not built) is reported as
 * null. Before timing: one class view builds the summaries and the tenant's own risk model is fitted (as the
 * background fit would) and loaded by every process. Prints a table and, as the very last line, one JSON object.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freeLoopbackPort } from '../src/db/index.js';
import { ask, benchPostgres, childSend, f1, f2, guardRun, int, onStop, percentile, round, runBenchmark, startChild, stopChild, type BenchPostgres, type Child, type FormPage, FormPoster, scanPage } from './bench-harness.js';

const PHASE_S = int(process.env.BENCH_SECONDS, 30);
const STUDENTS = int(process.env.BENCH_STUDENTS, 300);
const SKILLS = int(process.env.BENCH_SKILLS, 20);
const ANSWERS = int(process.env.BENCH_ANSWERS, 200);
const LOAD = Math.min(int(process.env.BENCH_LOAD, 200), STUDENTS);
const ITEMS_PER_SKILL = 25;
const PROCESSES = Math.max(1, int(process.env.BENCH_PROCESSES, os.cpus().length));
const THINK_S = 1;
/** Seconds of the quiet phase (the pages alone, nobody answering) before the measured one. */
const QUIET_S = int(process.env.BENCH_QUIET_SECONDS, 10);
const LINK = 'bench-dashboard-link';
const PACK = 'bench-pack';
const REQUEST_TIMEOUT_MS = 20_000;
const userId = (i: number) => `bench-student-${String(i).padStart(4, '0')}`;
const skillId = (k: number) => `bench-skill-${String(k).padStart(2, '0')}`;

interface ChildConfig {
  databaseUrl: string;
  port: number;
  publicUrl: string;
}
type Ready = { type: 'ready'; url: string };

/** A deterministic random stream. */
function rngOf(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** The synthetic pack: SKILLS skills of ITEMS_PER_SKILL single-choice items each, difficulties spread over -2..2. */
function benchPack() {
  const skills = Array.from({ length: SKILLS }, (_, k) => ({ id: skillId(k), name: `Skill ${k + 1}` }));
  const items = skills.flatMap((s, k) =>
    Array.from({ length: ITEMS_PER_SKILL }, (_, j) => ({
      id: `${s.id}-item-${String(j).padStart(2, '0')}`,
      type: 'single_choice',
      skills: [s.id],
      difficulty: -2 + (4 * j) / (ITEMS_PER_SKILL - 1),
      stem: `Question ${j + 1} of skill ${k + 1}: which one is right?`,
      choices: [
        { id: 'a', text: 'The right one', correct: true },
        { id: 'b', text: 'A wrong one' },
        { id: 'c', text: 'Another wrong one' },
        { id: 'd', text: 'Yet another wrong one' },
      ],
      hints: ['Think again.'],
    })),
  );
  return { pack: { id: PACK, title: 'Bench pack', version: '1', locale: 'en' }, skills, items };
}

/** Mastery as deployed; the first process also seeds the course and launches the students and the teacher. */
async function appChild(cfg: ChildConfig): Promise<void> {
  const { pino } = await import('pino');
  const { loadSettings } = await import('../src/settings.js');
  const { openDatabase } = await import('../src/db/index.js');
  const { startServer } = await import('../src/server.js');
  const { DEMO_USERS } = await import('../src/sandbox/demo.js');
  const { beginLaunch, land, postLaunch } = await import('../test/helpers/launch.js');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-bench-data-'));
  const settings = loadSettings({
    NODE_ENV: 'production',
    PORT: String(cfg.port),
    PUBLIC_URL: cfg.publicUrl,
    DATABASE_URL: cfg.databaseUrl,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: crypto.randomBytes(24).toString('base64url'),
    SANDBOX: '1',
    LOG_LEVEL: 'silent',
    WORKER: 'off',
  });
  const log = pino({ level: 'silent' });
  const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir, embeddedPort: settings.embeddedPgPort, log });
  const srv = await startServer(settings, log, { db });
  const services = srv.services;
  const pool = db.pool;

  const launchAs = async (template: (typeof DEMO_USERS)[number], id: string, name: string): Promise<string> => {
    const start = await beginLaunch(srv, { user: template.id, link: LINK });
    const user = { ...template, id, name, givenName: name.split(' ')[0], familyName: name.split(' ').slice(1).join(' '), email: `${id}@bench.invalid` };
    const claims = services.sandbox!.launchClaims(user, LINK, 'canvas', start.nonce);
    const res = await postLaunch(start.browser, { id_token: await services.sandbox!.signIdToken(claims), state: start.state });
    if (res.status !== 303) throw new Error(`launch of ${id} answered ${res.status}`);
    const { ltik } = await land(start.browser, new URL(res.headers.get('location')!, srv.url).toString());
    if (!ltik) throw new Error(`launch of ${id} gave no ltik`);
    return ltik;
  };

  /** The course: pack, assignment, students, their attempt log (SQL) and learner rows (replayed). */
  const seed = async (): Promise<{ tenantId: string; seconds: number; teacherLtik: string }> => {
    const t0 = performance.now();
    const { packSchema } = await import('../src/content/content.schema.js');
    const { importPack } = await import('../src/content/content.repository.js');
    const { replay } = await import('../src/engine/index.js');
    const { configOf } = await import('../src/practice/progress.js');
    // The sandbox's deployment is the tenant; the activity is bound below, before anybody launches it.
    const teacher = DEMO_USERS.find((u) => u.role === 'instructor')!;
    const tenantId = (await pool.query<{ id: string }>('SELECT id FROM tenants ORDER BY created_at LIMIT 1')).rows[0]?.id;
    if (!tenantId) throw new Error('the sandbox made no tenant');
    const pack = packSchema.parse(benchPack());
    await importPack(pool, tenantId, pack);
    const skills = pack.skills.map((s) => s.id);
    await pool.query(
      `INSERT INTO assignments (tenant_id, resource_link_id, pack_id, skills, threshold, target_success, title) VALUES ($1, $2, $3, $4, 0.85, 0.75, 'Bench practice')
       ON CONFLICT (tenant_id, resource_link_id) DO UPDATE SET pack_id = EXCLUDED.pack_id, skills = EXCLUDED.skills`,
      [tenantId, LINK, PACK, skills],
    );
    const a = (await services.assignments.get({ tenantId, resourceLinkId: LINK } as Parameters<typeof services.assignments.get>[0]))!;
    const cache = await services.catalog.pack(tenantId, PACK);
    const cfg = configOf(a, cache);
    const now = Date.now();
    const span = 14 * 86_400_000;
    const names = Array.from({ length: STUDENTS }, (_, i) => [userId(i), `Student ${String(i + 1).padStart(3, '0')}`]);
    await pool.query(
      `INSERT INTO users (tenant_id, id, name) SELECT $1, r.id, r.name FROM jsonb_to_recordset($2::jsonb) AS r(id text, name text) ON CONFLICT DO NOTHING`,
      [tenantId, JSON.stringify(names.map(([id, name]) => ({ id, name })))],
    );
    let sub = 0;
    for (let i = 0; i < STUDENTS; i++) {
      const rng = rngOf(i + 1);
      const ability = (rng() - 0.5) * 3;
      const rows: unknown[] = [];
      const engine: import("../src/engine/index.js").Attempt[] = [];
      let at = now - span + rng() * 86_400_000;
      const perSkill = new Array<number>(SKILLS).fill(0);
      for (let k = 0; k < ANSWERS; k++) {
        // Skills in blocks, in a student-specific order; practice makes better.
        const s = (Math.floor(k / Math.max(1, Math.floor(ANSWERS / SKILLS))) + i) % SKILLS;
        const j = perSkill[s]++;
        const itemIx = Math.floor(rng() * ITEMS_PER_SKILL);
        const item = pack.items[s * ITEMS_PER_SKILL + itemIx]!;
        const difficulty = item.difficulty ?? 0;
        const p = 1 / (1 + Math.exp(-(ability + 0.35 * j - difficulty * 0.5 - 0.3)));
        const correct = rng() < p;
        const hints = correct ? 0 : rng() < 0.3 ? 1 : 0;
        const timeMs = Math.round(5_000 + rng() * 55_000);
        at += timeMs + rng() * 3_600_000 * (span / 86_400_000 / ANSWERS) * 24;
        const when = Math.min(at, now - 60_000);
        rows.push({
          user_id: userId(i), item_id: item.id, skills: item.skills, response: JSON.stringify(correct ? 'a' : 'b'), correct, score: correct ? 1 : 0,
          hints_used: hints, time_ms: timeMs, difficulty, submission_id: `seed-${++sub}`, answered_at: new Date(when).toISOString(),
        });
        engine.push({ itemId: item.id, skills: item.skills, correct, score: correct ? 1 : 0, hintsUsed: hints, at: when, difficulty });
      }
      await pool.query(
        `INSERT INTO attempts (tenant_id, resource_link_id, user_id, pack_id, item_id, skills, kind, try_number, counted, response, correct, score, hints_used,
           time_ms, difficulty, submission_id, result, answered_at)
         SELECT $1, $2, r.user_id, $3, r.item_id, r.skills, 'answer', 1, true, r.response::jsonb, r.correct, r.score, r.hints_used, r.time_ms, r.difficulty,
           r.submission_id, '{}'::jsonb, r.answered_at
         FROM jsonb_to_recordset($4::jsonb) AS r(user_id text, item_id text, skills text[], response text, correct boolean, score float8, hints_used int,
           time_ms int, difficulty float8, submission_id text, answered_at timestamptz)`,
        [tenantId, LINK, PACK, JSON.stringify(rows)],
      );
      const state = replay(engine, cfg);
      await pool.query(
        `INSERT INTO learner_states (tenant_id, resource_link_id, user_id, state, answered, version) VALUES ($1, $2, $3, $4, $5, 1)`,
        [tenantId, LINK, userId(i), JSON.stringify(state), ANSWERS],
      );
    }
    await pool.query(
      `INSERT INTO item_stats (tenant_id, pack_id, item_id, difficulty, answers, correct)
       SELECT tenant_id, pack_id, item_id, avg(difficulty), count(*), count(*) FILTER (WHERE correct) FROM attempts WHERE tenant_id = $1 AND pack_id = $2
       GROUP BY tenant_id, pack_id, item_id ON CONFLICT DO NOTHING`,
      [tenantId, PACK],
    );
    await pool.query('ANALYZE');
    const teacherLtik = await launchAs(teacher, 'bench-teacher', 'Bench Teacher');
    return { tenantId, seconds: (performance.now() - t0) / 1000, teacherLtik };
  };

  onStop(
    async () => {
      await srv.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
    (m: { type?: string; n?: number; tenantId?: string }) => {
      const reply = (p: Promise<object>, type: string) => p.then((r) => childSend({ type, ...r }), (err: Error) => childSend({ type: 'error', message: err.stack ?? err.message }));
      if (m?.type === 'seed') reply(seed(), 'seeded');
      else if (m?.type === 'fit') reply(services.dashboard.risk.fit(m.tenantId!).then((r) => ({ source: r.source })), 'fitted');
      else if (m?.type === 'reload') {
        services.dashboard.risk.reload(m.tenantId!);
        childSend({ type: 'reloaded' });
      } else if (m?.type === 'launch') {
        const template = DEMO_USERS.find((u) => u.role === 'student')!;
        const n = m.n ?? 0;
        const ltiks: string[] = new Array(n);
        let next = 0;
        const worker = async () => {
          while (next < n) {
            const i = next++;
            ltiks[i] = await launchAs(template, userId(i), `Student ${String(i + 1).padStart(3, '0')}`);
          }
        };
        reply(Promise.all(Array.from({ length: 8 }, worker)).then(() => ({ ltiks })), 'launched');
      }
    },
  );
  childSend({ type: 'ready', url: srv.url });
}

// ---------------------------------------------------------------------------------------------------
// The load generator.

const poster = new FormPoster(REQUEST_TIMEOUT_MS);
const post = (url: URL, form: URLSearchParams) => poster.post(url, form);

type Page = FormPage;

async function main(): Promise<void> {
  const started = performance.now();
  const out = (s = '') => process.stdout.write(`${s}\n`);
  let db: BenchPostgres | undefined;
  const apps: Child[] = [];
  const guard = guardRun('bench-dashboard', 280_000, async () => {
    poster.destroy();
    await Promise.all(apps.map((c) => stopChild(c)));
    await db?.stop();
  });
  try {
    db = await benchPostgres();
    const ports = await Promise.all(Array.from({ length: PROCESSES }, () => freeLoopbackPort()));
    const publicUrl = `http://127.0.0.1:${ports[0]}`;
    const urls: string[] = [];
    for (const port of ports) {
      const a = startChild<Ready>(import.meta.url, 'app', { databaseUrl: db.url, port, publicUrl }, 60_000);
      apps.push(a.child);
      await a.ready;
      urls.push(`http://127.0.0.1:${port}`);
    }
    const app = apps[0]!;
    const seeded = await ask<{ type: 'seeded'; tenantId: string; seconds: number; teacherLtik: string }>(app, { type: 'seed' }, 'seeded', 120_000);
    const tLaunch = performance.now();
    const { ltiks } = await ask<{ type: 'launched'; ltiks: string[] }>(app, { type: 'launch', n: LOAD }, 'launched', 120_000);
    const launchS = (performance.now() - tLaunch) / 1000;
    const teacher = seeded.teacherLtik;

    /** A teacher's GET with the session token in the Authorization header; null for a 404 (the page is not built). */
    const get = async (p: string, proc: number): Promise<{ status: number; ms: number; bytes: number }> => {
      const t0 = performance.now();
      const res = await fetch(new URL(p, urls[proc % urls.length]), { headers: { Authorization: `Bearer ${teacher}`, Accept: 'text/html' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const body = await res.arrayBuffer();
      return { status: res.status, ms: performance.now() - t0, bytes: body.byteLength };
    };

    // Before timing: the class view builds the summaries (every process once), the tenant's model is fitted and loaded.
    const tWarm = performance.now();
    const firstView = await get('/dashboard', 0);
    if (firstView.status !== 200) throw new Error(`the class view answered ${firstView.status}`);
    const fitted = await ask<{ type: 'fitted'; source: string }>(app, { type: 'fit', tenantId: seeded.tenantId }, 'fitted', 120_000);
    await Promise.all(apps.map((c) => ask(c, { type: 'reload', tenantId: seeded.tenantId }, 'reloaded', 10_000)));
    for (let p = 0; p < PROCESSES; p++) await get('/dashboard', p);
    const warmS = (performance.now() - tWarm) / 1000;

    // The students open their page (untimed).
    const students = ltiks.map((ltik, n) => ({ n, ltik, page: { fields: new Map(), step: null } as Page, upcoming: null as Page | null, rng: rngOf(7919 * (n + 1)), done: false }));
    const send = async (s: (typeof students)[number], p: string, fields: [string, string][]) => {
      const res = await post(new URL(p, urls[s.n % urls.length]), new URLSearchParams([['ltik', s.ltik], ...fields]));
      if (res.status >= 400) throw new Error(`${p} answered ${res.status}`);
      const at = res.body.indexOf('<template id="upcoming"');
      s.page = scanPage(at >= 0 ? res.body.slice(0, at) : res.body);
      s.upcoming = at >= 0 ? scanPage(res.body.slice(at)) : null;
      const fresh = s.page.fields.get('ltik');
      if (fresh) s.ltik = fresh;
    };
    {
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < students.length) await send(students[next++]!, '/practice', []);
      }));
    }

    // Teacher loops: one request at a time each, a short look between clicks; a 404 (page not built) stops its loop.
    const routes = {
      class_view: () => '/dashboard',
      drilldown: (r: () => number) => `/dashboard/students/${encodeURIComponent(userId(Math.floor(r() * STUDENTS)))}`,
      item_analysis: () => '/dashboard/analysis/items',
    } as const;
    type RouteName = keyof typeof routes;
    type Timings = Record<RouteName, { ms: number[]; statuses: Map<number, number>; bytes: number }>;
    const newTimings = (): Timings => ({
      class_view: { ms: [], statuses: new Map(), bytes: 0 },
      drilldown: { ms: [], statuses: new Map(), bytes: 0 },
      item_analysis: { ms: [], statuses: new Map(), bytes: 0 },
    });
    const teacherLoops = (timings: Timings, until: number) => Promise.all((Object.keys(routes) as RouteName[]).map(async (name, k) => {
      const r = rngOf(11 + k);
      let i = 0;
      while (performance.now() < until) {
        const res = await get(routes[name](r), i++).catch(() => ({ status: -1, ms: NaN, bytes: 0 }));
        const t = timings[name];
        t.statuses.set(res.status, (t.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 404) return;
        if (res.status === 200) {
          t.ms.push(res.ms);
          t.bytes = res.bytes;
        }
        await new Promise((r2) => setTimeout(r2, 250));
      }
    }));

    // Quiet phase: the pages alone (nobody answering), for what a page itself costs on this machine.
    const quiet = newTimings();
    await teacherLoops(quiet, performance.now() + QUIET_S * 1000);

    // The measured phase: students answering (paced), the three teacher loops beside them.
    let answers = 0;
    const loadErrors = new Map<string, number>();
    const end = performance.now() + PHASE_S * 1000;
    const measuredFrom = performance.now();
    const load = Promise.all(students.map(async (s) => {
      while (performance.now() < end && !s.done) {
        const wait = -Math.log(1 - s.rng()) * THINK_S * 1000;
        if (performance.now() + wait >= end) break;
        await new Promise((r) => setTimeout(r, wait));
        try {
          const f = s.page.fields;
          if (s.page.step === 'submit') {
            const right = s.rng() < 0.7;
            await send(s, '/practice/answer', [['submission_id', f.get('submission_id')!], ['item_id', f.get('item_id')!], ['seed', f.get('seed') ?? '0'], ['shown_at', f.get('shown_at') ?? ''], ['response', right ? 'a' : 'b']]);
            answers++;
          } else if (s.page.step === 'next' && s.upcoming) {
            s.page = s.upcoming;
            s.upcoming = null;
          } else if (s.page.step === 'next') await send(s, '/practice/next', []);
          else if (s.page.step === 'continue') await send(s, '/practice/studied', [['item_id', f.get('item_id')!], ['seed', f.get('seed') ?? '0']]);
          else s.done = true;
        } catch (err) {
          const why = (err as Error).message;
          loadErrors.set(why, (loadErrors.get(why) ?? 0) + 1);
          await send(s, '/practice', []).catch(() => undefined);
        }
      }
    }));
    const timings = newTimings();
    await Promise.all([load, teacherLoops(timings, end)]);
    const wallS = (performance.now() - measuredFrom) / 1000;

    const figures = (t: Timings) => (Object.keys(t) as RouteName[]).map((name) => {
      const x = t[name];
      const sorted = [...x.ms].sort((p, q) => p - q);
      const notBuilt = (x.statuses.get(404) ?? 0) > 0;
      return { name, count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] ?? NaN, notBuilt, statuses: [...x.statuses].map(([st, n]) => `${st}x${n}`).join(' '), kb: x.bytes / 1024 };
    });
    const fig = figures(timings);
    const quietFig = figures(quiet);
    const perS = answers / wallS;
    out(`Dashboard benchmark: loopback, PostgreSQL ${db.version} (embedded), ${os.cpus().length} CPUs, Node ${process.version}`);
    out(`Mastery in ${PROCESSES} process(es) (NODE_ENV=production, SANDBOX=1, logs silent). Course: ${STUDENTS} students x ${SKILLS} skills x ${ANSWERS} answers`);
    out(`(${STUDENTS * ANSWERS} attempts, ${SKILLS * ITEMS_PER_SKILL} items) seeded with SQL in ${seeded.seconds.toFixed(1)} s; ${LOAD} students launched in ${launchS.toFixed(1)} s;`);
    out(`warm-up (first class view building ${STUDENTS} summaries, the tenant's risk model fit: ${fitted.source}) ${warmS.toFixed(1)} s.`);
    out(`Quiet ${QUIET_S} s: the teacher loops alone. Measured ${PHASE_S} s: ${LOAD} students answering with ~${THINK_S} s think time (${f1(perS)} answers/s), three teacher loops (one request at a time, 250 ms apart).`);
    out('');
    const rows = [['page', 'phase', 'requests', 'p50 ms', 'p95 ms', 'max ms', 'page KB', 'statuses'],
      ...quietFig.map((r) => [r.name, 'quiet', String(r.count), f2(r.p50), f2(r.p95), f2(r.max), f1(r.kb), r.statuses]),
      ...fig.map((r) => [r.name, 'load', String(r.count), f2(r.p50), f2(r.p95), f2(r.max), f1(r.kb), r.statuses])];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) out(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    for (const [why, k] of loadErrors) out(`  load error x${k}: ${why}`);
    const target = { class_view: 150, drilldown: 100, item_analysis: 300 } as const;
    out('');
    out(`targets p95: class view < ${target.class_view} ms, drill-down < ${target.drilldown} ms, item analysis < ${target.item_analysis} ms: ` +
      fig.map((r) => `${r.name} ${r.notBuilt ? 'not built (404)' : r.p95 < target[r.name] ? 'met' : 'NOT met'}`).join(', '));
    out(`machine load average (1 min) ${f1(os.loadavg()[0])} on ${os.cpus().length} CPUs (other work on the machine slows every figure)`);
    out(`total run time ${f1((performance.now() - started) / 1000)} s`);
    await guard.cleanup();
    const p95 = (name: RouteName) => {
      const r = fig.find((x) => x.name === name)!;
      return r.notBuilt || !r.count ? null : round(r.p95, 1);
    };
    out(JSON.stringify({
      class_view_p95_ms: p95('class_view'),
      drilldown_p95_ms: p95('drilldown'),
      item_analysis_p95_ms: p95('item_analysis'),
      students: STUDENTS,
      skills: SKILLS,
      answers_per_student: ANSWERS,
      load_answers_per_s: round(perS, 1),
    }));
  } finally {
    await guard.done();
  }
}

runBenchmark('bench-dashboard', main, { app: appChild });
