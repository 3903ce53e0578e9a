/**
 * Practice benchmark (issue 5): simulated students answering through the HTTP API on loopback, at 50 and
 * 200 concurrent students, and in the same run a baseline: a bare express route doing one INSERT into
 * the same PostgreSQL, driven by the same load generator at the same concurrency.
 *
 *   npm run bench:practice        (BENCH_SECONDS per measured phase, default 12; BENCH_WORKER=in-process
 *                                   runs the grade worker in the app process, default off;
 *                                   BENCH_CPU_PROF=DIR writes a CPU profile of the Mastery process over the
 *                                   closed-loop 200-student phase only, as DIR/mastery-200.cpuprofile, and of
 *                                   this load generator as DIR/load-generator-200.cpuprofile;
 *                                   BENCH_PROCESSES server processes each, default the number of CPUs;
 *                                   BENCH_POOL the pg pool size of each, default 10; BENCH_GUARD_S the
 *                                   watchdog of the whole run, default 170)
 *
 * One embedded PostgreSQL (temp dir, random port). Mastery (NODE_ENV=production settings, SANDBOX=1, logs
 * silent) runs as deployed with WEB_CONCURRENCY = BENCH_PROCESSES: that many child processes, each on its
 * own port (a student keeps to one, as with node:cluster or a load balancer); the baseline express app
 * runs in as many other child processes; the load generator runs in this process, so it shares an event
 * loop with no server. Students are launched
 * before any timing: each one is a full OIDC login through the sandbox with an id_token signed by the
 * sandbox key for a distinct `sub` (the sandbox's own demo users are only four). Then every student loops:
 * answer the question on screen (about 3 in 4 right, sending back every field of the form as a browser
 * does); when the question is finished, move on as the page's script does: show the next step the
 * answer page already carries (no request), or POST /practice/next when the page carries none. A student who masters everything is
 * replaced by a fresh one. Only answers are counted and timed; the /next round trips are part of the wall
 * time (and are reported separately). The closed-loop phases (50 and 200 students, no think time) measure
 * saturation; the paced phase (200 students thinking ~1 s before each step) measures latency under a
 * heavy load that does not saturate the machine. Prints a table and, as the very last line, one JSON
 * object. Tokens are never printed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { freeLoopbackPort } from '../src/db/index.js';
import { ask, benchPostgres, childCpuMs, guardRun, postgresCpuMs, type BenchPostgres, childSend, f1, f2, int, onStop, percentile, round, runBenchmark, startChild, stopChild, type Child, type FormPage, FormPoster, scanPage } from './bench-harness.js';

const PHASE_S = int(process.env.BENCH_SECONDS, 12);
const WARMUP_S = 4;
/** Each measured phase first runs this long unmeasured: its clients all start at once, a burst no class makes. */
const RAMP_S = 1;
const LEVELS = [50, 200] as const;
const CONCURRENCY = Math.max(...LEVELS);
/** Students launched before timing; one who reaches "done" is replaced by the next fresh one. */
const STUDENTS = int(process.env.BENCH_STUDENTS, 1500);
/** Mean think time (s) of the paced phase: each student waits this long (exponential) before each step. */
const THINK_S = 1;
const WORKER = process.env.BENCH_WORKER === 'in-process' ? 'in-process' : 'off';
/** PostgreSQL pool size of both Mastery (DATABASE_POOL_SIZE) and the baseline. */
const POOL_SIZE = int(process.env.BENCH_POOL, 10);
/**
 * Server processes of Mastery and, the same number, of the baseline: Mastery as deployed with
 * WEB_CONCURRENCY = the machine's CPUs (each process on its own port here, students spread over them as
 * node:cluster or a load balancer would; one database).
 */
const PROCESSES = Math.max(1, int(process.env.BENCH_PROCESSES, os.cpus().length));
const REQUEST_TIMEOUT_MS = 10_000;
/** The whole run's watchdog (BENCH_GUARD_S, default 170 s); a loaded machine launches students slowly. */
const GUARD_MS = int(process.env.BENCH_GUARD_S, 170) * 1000;
const LINK = 'demo-link-fractions';
const SKILLS = 'unit-fractions,equivalent-fractions,simplest-form,comparing-fractions,add-like-denominators';
/** Share of answers the simulated students get right. */
const RIGHT = 0.75;

// ---------------------------------------------------------------------------------------------------
// Child processes.

interface ChildConfig {
  databaseUrl: string;
  /** Mastery: its port and the public URL all its processes share (session tokens name it). */
  port?: number;
  publicUrl?: string;
}
type Ready = { type: 'ready'; url: string };

/** Starts or stops (and writes) a CPU profile of this process (BENCH_CPU_PROF). */
let inspectorSession: import('node:inspector/promises').Session | undefined;
async function profile(start: boolean, name = 'mastery-200'): Promise<void> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return;
  const inspector = await import('node:inspector/promises');
  if (start) {
    inspectorSession = new inspector.Session();
    inspectorSession.connect();
    await inspectorSession.post('Profiler.enable');
    await inspectorSession.post('Profiler.start');
    return;
  }
  if (!inspectorSession) return;
  const { profile: p } = await inspectorSession.post('Profiler.stop');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `${name}.cpuprofile`), JSON.stringify(p));
  inspectorSession.disconnect();
}

/** Mastery as deployed, plus launching N distinct students through its sandbox (untimed). */
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
    PORT: String(cfg.port ?? 0),
    PUBLIC_URL: cfg.publicUrl ?? 'http://127.0.0.1',
    DATABASE_URL: cfg.databaseUrl,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: crypto.randomBytes(24).toString('base64url'),
    SANDBOX: '1',
    LOG_LEVEL: 'silent',
    WORKER,
    DATABASE_POOL_SIZE: String(POOL_SIZE),
  });
  const log = pino({ level: 'silent' });
  const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir, embeddedPort: settings.embeddedPgPort, log });
  const srv = await startServer(settings, log, { db });
  const sandbox = srv.services.sandbox!;
  const template = DEMO_USERS.find((u) => u.role === 'student')!;

  const launchOne = async (i: number): Promise<string> => {
    const start = await beginLaunch(srv, { user: template.id, link: LINK });
    const id = `bench-student-${String(i).padStart(4, '0')}`;
    const user = { ...template, id, name: `Bench Student ${i}`, givenName: 'Bench', familyName: `Student ${i}`, email: `${id}@bench.invalid` };
    const claims = sandbox.launchClaims(user, LINK, 'canvas', start.nonce, { skills: SKILLS, threshold: '0.95' });
    const res = await postLaunch(start.browser, { id_token: await sandbox.signIdToken(claims), state: start.state });
    if (res.status !== 303) throw new Error(`launch of student ${i} answered ${res.status}`);
    // The launch lands with a one-time code; the landing page carries the session token in its forms.
    const { ltik } = await land(start.browser, new URL(res.headers.get('location')!, srv.url).toString());
    if (!ltik) throw new Error(`launch of student ${i} gave no ltik`);
    return ltik;
  };

  onStop(
    async () => {
      await srv.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
    (m) => {
      if (m?.type === 'profile-start' || m?.type === 'profile-stop') {
        void profile(m.type === 'profile-start').then(() => childSend({ type: 'profiling' }));
        return;
      }
      if (m?.type === 'writer-stats') {
        childSend({ type: 'writer-stats', ...srv.practice.writerStats });
        return;
      }
      if (m?.type !== 'launch') return;
      const n = m.n ?? 0;
      const ltiks: string[] = new Array(n);
      let next = 0;
      const worker = async () => {
        while (next < n) {
          const i = next++;
          ltiks[i] = await launchOne(i);
        }
      };
      Promise.all(Array.from({ length: 8 }, worker)).then(
        () => childSend({ type: 'launched', ltiks }),
        (err: Error) => childSend({ type: 'error', message: err.message }),
      );
    },
  );
  childSend({ type: 'ready', url: srv.url });
}

/** The baseline: a bare express app, one route, one INSERT per request, a pg pool of the same size. */
async function baselineChild(cfg: ChildConfig): Promise<void> {
  const { default: express } = await import('express');
  const pool = new pg.Pool({ connectionString: cfg.databaseUrl, max: POOL_SIZE });
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, student text NOT NULL, response text, at timestamptz NOT NULL DEFAULT now())`);
  const app = express();
  app.post('/insert', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, string>;
    await pool.query('INSERT INTO bench_baseline (student, response) VALUES ($1, $2)', [body.student ?? '', body.response ?? '']);
    res.type('text/plain').send('ok');
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  onStop(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pool.end();
  });
  childSend({ type: 'ready', url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
}

// ---------------------------------------------------------------------------------------------------
// The load generator: keep-alive sockets (KeepAliveClient), form posts, the page parsed with a few regexes.

const poster = new FormPoster(REQUEST_TIMEOUT_MS);
const post = (url: URL, form: URLSearchParams) => poster.post(url, form);

type Item = import('../src/content/content.schema.js').Item;

type Page = FormPage;

interface Student {
  n: number;
  ltik: string;
  page: Page;
  /** The next step the page carries (<template id="upcoming">), shown in place by the page's script. */
  upcoming: Page | null;
  rng: () => number;
  done: boolean;
}

interface PhaseStats {
  answers: number[];
  nexts: number[];
  errors: Map<string, number>;
  /** Students who reached "done" (each replaced by a fresh student). */
  done: number;
  /** Next steps shown in place from the page (no request), as the page's script does. */
  reveals: number;
  wallMs: number;
  /** When measuring started (after the phase's ramp); steps begun earlier are not counted. */
  since: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const out = (s = '') => process.stdout.write(`${s}\n`);
  const { loadDemoPack } = await import('../src/content/content.files.js');
  const { correctResponse, distractorResponses } = await import('../src/content/grading.js');
  const { instantiate, isTemplate } = await import('../src/content/templates.js');
  const pack = await loadDemoPack();
  const items = new Map(pack.items.map((i) => [i.id, i]));
  /** A student's right and wrong answer to each question, worked out once per item and seed (as a student would know them). */
  const answers = new Map<string, { item: Item; right: unknown; wrong: unknown }>();
  const answersTo = (id: string, seed: number) => {
    const key = `${id}\u0000${seed}`;
    let a = answers.get(key);
    if (!a) {
      const template = items.get(id);
      if (!template) throw new Error(`unknown item ${id}`);
      const item = isTemplate(template) ? instantiate(template, seed).item : template;
      a = { item, right: correctResponse(item), wrong: distractorResponses(item)[0] ?? '__definitely wrong__' };
      answers.set(key, a);
    }
    return a;
  };

  let db: BenchPostgres | undefined;
  const apps: Child[] = [];
  const bases: Child[] = [];
  let app: Child | undefined;
  const guard = guardRun('bench-practice', GUARD_MS, async () => {
    poster.destroy();
    await Promise.all([...apps, ...bases].map((c) => stopChild(c)));
    await db?.stop();
  });

  try {
    db = await benchPostgres();
    const emb = db;
    const pgVersion = db.version;

    // The first process of each starts alone (migrations, keys, demo content; the baseline's table).
    const appPorts = await Promise.all(Array.from({ length: PROCESSES }, () => freeLoopbackPort()));
    const publicUrl = `http://127.0.0.1:${appPorts[0]}`;
    const appUrls: string[] = [];
    for (const port of appPorts) {
      const a = startChild<Ready>(import.meta.url, 'app', { databaseUrl: emb.url, port, publicUrl }, 60_000);
      apps.push(a.child);
      await a.ready;
      appUrls.push(`http://127.0.0.1:${port}`);
    }
    app = apps[0];
    const baseUrls: string[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const b = startChild<Ready>(import.meta.url, 'baseline', { databaseUrl: emb.url }, 60_000);
      bases.push(b.child);
      baseUrls.push((await b.ready).url);
    }

    const tLaunch = performance.now();
    const { ltiks } = await ask<{ type: 'launched'; ltiks: string[] }>(app!, { type: 'launch', n: STUDENTS }, 'launched', Math.max(60_000, GUARD_MS - 110_000));
    const launchS = (performance.now() - tLaunch) / 1000;
    const students: Student[] = ltiks.map((ltik, n) => {
      let x = (n + 1) * 2654435761;
      return {
        n,
        ltik,
        page: { fields: new Map(), step: null },
        upcoming: null,
        done: false,
        rng: () => {
          x = (x * 1103515245 + 12345) % 2147483648;
          return x / 2147483648;
        },
      };
    });

    /** A student keeps to one process (a keep-alive connection does too). */
    const practiceUrl = (p: string, student: number) => new URL(p, appUrls[student % PROCESSES]);
    const send = async (s: Student, p: string, fields: [string, string][]): Promise<number> => {
      const form = new URLSearchParams([['ltik', s.ltik], ...fields]);
      const res = await post(practiceUrl(p, s.n), form);
      if (res.status >= 400) throw new Error(`${p} answered ${res.status}`);
      const at = res.body.indexOf('<template id="upcoming"');
      s.page = scanPage(at >= 0 ? res.body.slice(0, at) : res.body);
      s.upcoming = at >= 0 ? scanPage(res.body.slice(at)) : null;
      const fresh = s.page.fields.get('ltik');
      if (fresh) s.ltik = fresh;
      return res.status;
    };

    // Every student opens the practice page once (untimed).
    const tOpen = performance.now();
    {
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < students.length) await send(students[next++], '/practice', []);
        }),
      );
    }
    const openS = (performance.now() - tOpen) / 1000;
    /** Fresh students, handed out in order; a phase's slot takes the next one when its student is done. */
    let fresh = 0;
    const take = (): Student | undefined => students[fresh++];

    /** One step of a student: answer (timed, counted) or move on. */
    const step = async (s: Student, st: PhaseStats): Promise<void> => {
      const { fields: f, step: offered } = s.page;
      if (offered === 'submit') {
        const itemId = f.get('item_id')!;
        const seed = f.get('seed') ?? '0';
        const submission = f.get('submission_id')!;
        const { item, right: good, wrong } = answersTo(itemId, Number(seed));
        const response = s.rng() < RIGHT ? good : wrong;
        const fields: [string, string][] = [['submission_id', submission], ['item_id', itemId], ['seed', seed], ['shown_at', f.get('shown_at') ?? '']];
        if (item.type === 'ordering') (response as readonly string[]).forEach((id, i) => fields.push([`order_${id}`, String(i + 1)]));
        else for (const r of typeof response === 'string' ? [response] : [...(response as readonly string[])]) fields.push(['response', r]);
        const t0 = performance.now();
        await send(s, '/practice/answer', fields);
        if (t0 >= st.since) st.answers.push(performance.now() - t0);
      } else if (offered === 'next' && s.upcoming) {
        // What the page's script does on Next: show the step the page already carries, no request.
        s.page = s.upcoming;
        s.upcoming = null;
        if (performance.now() >= st.since) st.reveals++;
      } else if (offered === 'next') {
        const t0 = performance.now();
        await send(s, '/practice/next', []);
        if (t0 >= st.since) st.nexts.push(performance.now() - t0);
      } else if (offered === 'continue') {
        const t0 = performance.now();
        await send(s, '/practice/studied', [['item_id', f.get('item_id')!], ['seed', f.get('seed') ?? '0']]);
        if (t0 >= st.since) st.nexts.push(performance.now() - t0);
      } else {
        s.done = true;
        st.done++;
      }
    };

    /**
     * A phase's clock: it runs RAMP_S unmeasured (all its clients start at the same instant, a burst no real
     * class produces), then `mark()` (the CPU snapshots) and `seconds` measured.
     */
    const phaseClock = (st: PhaseStats, seconds: number, mark?: () => void) => {
      if (!mark) {
        st.since = performance.now();
        return st.since + seconds * 1000;
      }
      st.since = Infinity;
      setTimeout(() => {
        st.since = performance.now();
        mark();
      }, RAMP_S * 1000);
      return performance.now() + (RAMP_S + seconds) * 1000;
    };
    const newStats = (): PhaseStats => ({ answers: [], nexts: [], errors: new Map(), done: 0, reveals: 0, wallMs: 0, since: 0 });

    /** n concurrent students for `seconds`; with thinkS, each waits a random (exponential) think time before each step. */
    const runStudents = async (n: number, seconds: number, thinkS = 0, mark?: () => void): Promise<PhaseStats> => {
      const st = newStats();
      const end = phaseClock(st, seconds, mark);
      let starved = false;
      await Promise.all(
        Array.from({ length: n }, async () => {
          let s = take();
          if (!s) starved = true;
          while (s && performance.now() < end) {
            if (thinkS) {
              const wait = -Math.log(1 - s.rng()) * thinkS * 1000;
              if (performance.now() + wait >= end) break;
              await new Promise((r) => setTimeout(r, wait));
            }
            try {
              await step(s, st);
            } catch (err) {
              const why = (err as Error).message;
              st.errors.set(why, (st.errors.get(why) ?? 0) + 1);
              await send(s, '/practice', []).catch(() => undefined);
            }
            if (s.done) {
              s = take();
              if (!s) starved = true;
            }
          }
        }),
      );
      if (starved) throw new Error(`ran out of fresh students (${STUDENTS}); raise BENCH_STUDENTS`);
      st.wallMs = performance.now() - st.since;
      return st;
    };

    const runBaseline = async (n: number, seconds: number, mark?: () => void): Promise<PhaseStats> => {
      const st = newStats();
      const urls = baseUrls.map((u) => new URL('/insert', u));
      const end = phaseClock(st, seconds, mark);
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          while (performance.now() < end) {
            const t0 = performance.now();
            try {
              const res = await post(urls[i % PROCESSES], new URLSearchParams([['student', `bench-student-${i}`], ['response', '3/4']]));
              if (res.status !== 200) throw new Error(`baseline answered ${res.status}`);
              if (t0 >= st.since) st.answers.push(performance.now() - t0);
            } catch (err) {
              const why = (err as Error).message;
              st.errors.set(why, (st.errors.get(why) ?? 0) + 1);
            }
          }
        }),
      );
      st.wallMs = performance.now() - st.since;
      return st;
    };

    out(`Practice benchmark: loopback, PostgreSQL ${pgVersion} (embedded), ${os.cpus().length} CPUs, Node ${process.version}`);
    out(`Mastery in ${PROCESSES} child process(es) (as WEB_CONCURRENCY=${PROCESSES}; NODE_ENV=production, SANDBOX=1, logs silent, pg pool ${POOL_SIZE} each,`);
    out(`grade worker ${WORKER}); the baseline express app (one route, one INSERT, pg pool ${POOL_SIZE} each) in as many other child processes; the load generator`);
    out(`(keep-alive sockets, a small HTTP/1.1 client) in this process. ${STUDENTS} students launched in ${launchS.toFixed(1)} s and their first page opened in ${openS.toFixed(1)} s, before timing`);
    out(`(full OIDC login via the sandbox, a distinct sub each, all 5 demo skills). Each student loops: POST /practice/answer`);
    out(`(${Math.round(RIGHT * 100)}% right); a finished question moves on as the page's script does (the next step the answer`);
    out(`page carries, no request; POST /practice/next only when it carries none). answers/s counts answers only, over`);
    out(`the phase's wall time (which includes the /next round trips); latencies are client-side round trips of the answer POST.`);
    out(`Warm-up ${WARMUP_S} s, then per phase ${RAMP_S} s unmeasured (its clients all start at the same instant) and ${PHASE_S} s measured.`);
    out('');

    await runStudents(LEVELS[0], WARMUP_S);
    await runBaseline(LEVELS[0], 1);
    const loadBefore = os.loadavg()[0];
    const results: { name: string; conc: number; st: PhaseStats; cpuMs: number; dbMs: number; genMs: number; perStatement?: number }[] = [];
    type WriterStats = { type: 'writer-stats'; statements: number; submissions: number; batchFailures: number };
    const writerStats = async (): Promise<WriterStats> => {
      const all = await Promise.all(apps.map((c) => ask<WriterStats>(c, { type: 'writer-stats' }, 'writer-stats', 5_000)));
      return all.reduce((x, y) => ({ ...x, statements: x.statements + y.statements, submissions: x.submissions + y.submissions, batchFailures: x.batchFailures + y.batchFailures }));
    };
    const cpuOf = async (children: Child[]) => (await Promise.all(children.map((c) => childCpuMs(c)))).reduce((x, y) => x + y, 0);
    const pgDir = path.join(db.dir, 'pg');
    /** Runs a phase and measures the CPU time the server, PostgreSQL and this load generator spent on it. */
    const measured = async (name: string, conc: number, servers: Child[], run: (mark: () => void) => Promise<PhaseStats>, prof = false) => {
      const isApp = servers === apps;
      let snapshot: Promise<[number, number, NodeJS.CpuUsage, WriterStats | undefined]> | undefined;
      const mark = () => {
        const g0 = process.cpuUsage();
        snapshot = (async () => {
          if (prof) await Promise.all([ask(app!, { type: 'profile-start' }, 'profiling', 10_000), profile(true)]);
          return [await cpuOf(servers), await postgresCpuMs(pgDir), g0, isApp ? await writerStats() : undefined];
        })();
      };
      const st = await run(mark);
      const [c0, d0, g0, w0] = await snapshot!;
      const g = process.cpuUsage(g0);
      const [c1, d1] = [await cpuOf(servers), await postgresCpuMs(pgDir)];
      const w1 = w0 ? await writerStats() : undefined;
      const perStatement = w0 && w1 ? (w1.submissions - w0.submissions) / Math.max(1, w1.statements - w0.statements) : undefined;
      if (w0 && w1 && w1.batchFailures > w0.batchFailures) st.errors.set('answer batches retried one by one', w1.batchFailures - w0.batchFailures);
      if (prof) await Promise.all([ask(app!, { type: 'profile-stop' }, 'profiling', 30_000), profile(false, 'load-generator-200')]);
      results.push({ name, conc, st, cpuMs: c1 - c0, dbMs: d1 - d0, genMs: (g.user + g.system) / 1000, perStatement });
    };
    for (const conc of LEVELS) {
      await measured('mastery answer', conc, apps, (mark) => runStudents(conc, PHASE_S, 0, mark), Boolean(process.env.BENCH_CPU_PROF) && conc === CONCURRENCY);
    }
    await measured(`paced answer (${THINK_S} s think)`, CONCURRENCY, apps, (mark) => runStudents(CONCURRENCY, PHASE_S, THINK_S, mark));
    for (const conc of LEVELS) await measured('baseline INSERT', conc, bases, (mark) => runBaseline(conc, PHASE_S, mark));
    const loadAfter = os.loadavg()[0];

    const fig = results.map((r) => {
      const sorted = [...r.st.answers].sort((x, y) => x - y);
      const nexts = [...r.st.nexts].sort((x, y) => x - y);
      const errors = [...r.st.errors.values()].reduce((x, y) => x + y, 0);
      return {
        ...r,
        count: sorted.length,
        errors,
        perS: sorted.length / (r.st.wallMs / 1000),
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        nextP50: percentile(nexts, 50),
        nextP99: percentile(nexts, 99),
        cpuPer: r.cpuMs / Math.max(1, sorted.length + nexts.length),
        dbPer: r.dbMs / Math.max(1, sorted.length + nexts.length),
        genPer: r.genMs / Math.max(1, sorted.length + nexts.length),
      };
    });
    const table = (rows: string[][]) => {
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows) out(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    };
    table([
      ['what', 'concurrent', 'count', 'errors', 'per s', 'p50 ms', 'p99 ms', '/next count', '/next p50', '/next p99', 'CPU ms/req: server', 'PostgreSQL', 'load gen', 'answers/commit'],
      ...fig.map((r) => [r.name, String(r.conc), String(r.count), String(r.errors), f1(r.perS), f2(r.p50), f2(r.p99), r.name.startsWith('baseline') ? '-' : String(r.st.nexts.length), r.name.startsWith('baseline') ? '-' : f2(r.nextP50), r.name.startsWith('baseline') ? '-' : f2(r.nextP99), f2(r.cpuPer), f2(r.dbPer), f2(r.genPer), r.perStatement === undefined ? '-' : f1(r.perStatement)]),
    ]);
    for (const r of fig) {
      for (const [why, k] of r.st.errors) out(`  ${r.name} @${r.conc} error x${k}: ${why}`);
      if (r.st.done) out(`  ${r.name} @${r.conc}: ${r.st.done} students reached "done" and were replaced by fresh ones`);
      if (r.st.reveals) out(`  ${r.name} @${r.conc}: ${r.st.reveals} next steps shown from the answer page (no request), ${r.st.nexts.length} fetched`);
    }
    const m = (c: number) => fig.find((r) => r.name.startsWith('mastery') && r.conc === c)!;
    const bl = (c: number) => fig.find((r) => r.name.startsWith('baseline') && r.conc === c)!;
    const paced = fig.find((r) => r.name.startsWith('paced'))!;
    const ratio = m(200).perS / bl(200).perS;
    out('');
    out(`ratio (mastery answers/s / baseline inserts/s at 200 concurrent): ${f2(ratio)}   (at 50: ${f2(m(50).perS / bl(50).perS)})`);
    const met = [m(200).perS >= 1000 && m(50).perS >= 1000, m(200).p99 < 50, ratio >= 0.5];
    out(`target: >= 1,000 answers/s ${met[0] ? 'met' : 'NOT met'}; p99 < 50 ms at 200 ${met[1] ? 'met' : 'NOT met'}; ratio >= 0.5 ${met[2] ? 'met' : 'NOT met'}`);
    out(`paced: ${CONCURRENCY} students who each think ${THINK_S} s on average (exponential) before every step: latency at a heavy but`);
    out(`not saturating load (${f1(paced.perS)} answers/s). The closed-loop rows have no think time: there p50 ~ concurrency / throughput.`);
    out('CPU ms/req: CPU time per request served (answers and /next) of the server process, of PostgreSQL (postmaster and');
    out(`backends, from /proc) and of this load generator; the machine has ${os.cpus().length * 1000} CPU ms per second in all.`);
    out('answers/commit: answers and studied examples per answer-writing statement (group commit; 1.0 = no batching).');
    out(`machine load average (1 min) ${f1(loadBefore)} before the measured phases, ${f1(loadAfter)} after, on ${os.cpus().length} CPUs`);
    out(`total run time ${f1((performance.now() - started) / 1000)} s`);

    await guard.cleanup();
    out(
      JSON.stringify({
        server_processes: PROCESSES,
        answers_per_s_50: round(m(50).perS, 1),
        p50_ms_50: round(m(50).p50, 2),
        p99_ms_50: round(m(50).p99, 2),
        answers_per_s_200: round(m(200).perS, 1),
        p50_ms_200: round(m(200).p50, 2),
        p99_ms_200: round(m(200).p99, 2),
        baseline_inserts_per_s_50: round(bl(50).perS, 1),
        baseline_inserts_per_s_200: round(bl(200).perS, 1),
        baseline_p99_ms_200: round(bl(200).p99, 2),
        ratio_vs_baseline: round(ratio, 2),
        paced_think_s: THINK_S,
        answers_per_s_200_paced: round(paced.perS, 1),
        p50_ms_200_paced: round(paced.p50, 2),
        p99_ms_200_paced: round(paced.p99, 2),
        server_cpu_ms_per_request_200: round(m(200).cpuPer, 3),
        db_cpu_ms_per_request_200: round(m(200).dbPer, 3),
        loadgen_cpu_ms_per_request_200: round(m(200).genPer, 3),
        answers_per_commit_200: round(m(200).perStatement ?? NaN, 2),
        baseline_server_cpu_ms_per_request_200: round(bl(200).cpuPer, 3),
        baseline_db_cpu_ms_per_request_200: round(bl(200).dbPer, 3),
      }),
    );
  } finally {
    await guard.done();
  }
}


// ---------------------------------------------------------------------------------------------------

runBenchmark('bench-practice', main, { app: appChild, baseline: baselineChild });
