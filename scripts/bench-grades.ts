/**
 * npm run bench:grades — grade delivery to the sandbox LMS over real HTTP and PostgreSQL (issue 6):
 *   1. throughput: N scores committed (one answer transaction each), then one worker delivers them all;
 *   2. token requests per 1,000 scores (the token cache must make it ~0);
 *   3. latency from the answer's COMMIT to the score stored by the sandbox gradebook, at a steady answer
 *      rate with the worker running (p50, p99).
 * Prints a table, and as its last line one JSON object with the figures.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import { pino } from 'pino';
import { openDatabase, startEmbedded, withTransaction, freeLoopbackPort } from '../src/db/index.js';
import { enqueueScore } from '../src/grades/index.js';
import { tenantIdFor } from '../src/lti/registry.js';
import { startServer } from '../src/server.js';
import { loadSettings } from '../src/settings.js';
import { DEMO_COURSE, DEMO_LINKS } from '../src/sandbox/demo.js';
import { SANDBOX_DEPLOYMENT_ID } from '../src/sandbox/platform.js';
import { SANDBOX_SCOPES } from '../src/sandbox/lms.js';

const N = Number(process.env.BENCH_SCORES ?? 3000);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const LATENCY_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.GRADE_CONCURRENCY ?? 32);


const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-bench-grades-'));
  await fs.chmod(dir, 0o777);
  const emb = await startEmbedded(dir, await freeLoopbackPort());
  const log = pino({ level: 'silent' });
  const db = await openDatabase({ databaseUrl: emb.url, dataDir: dir, embeddedPort: 0, poolSize: CONCURRENCY + 24 });
  const settings = loadSettings({ NODE_ENV: 'test', PORT: '0', ADMIN_TOKEN: 'bench-admin-token-0123456789', SANDBOX: '1', DATA_DIR: dir, WORKER: 'off', LOG_LEVEL: 'silent' });
  const srv = await startServer(settings, log, { db });
  try {
    const sandbox = srv.services.sandbox!;
    const lms = sandbox.lms;
    const tenantId = tenantIdFor(sandbox.platform.id, SANDBOX_DEPLOYMENT_ID);
    const link = DEMO_LINKS[0];
    // What a launch records: the course's AGS/NRPS URLs and the link's granted scopes (no lineitem: the worker creates it).
    await db.pool.query(`INSERT INTO contexts(tenant_id, id, title, lineitems_url, nrps_url) VALUES ($1,$2,$3,$4,$5)`, [
      tenantId, DEMO_COURSE.id, DEMO_COURSE.title, lms.lineItemsUrl(DEMO_COURSE.id), `${sandbox.issuer}/api/contexts/${DEMO_COURSE.id}/memberships`,
    ]);
    await db.pool.query(`INSERT INTO resource_links(tenant_id, id, context_id, title, ags_scopes) VALUES ($1,$2,$3,$4,$5)`, [
      tenantId, link.id, DEMO_COURSE.id, link.title, JSON.stringify(SANDBOX_SCOPES.filter((s) => s.includes('lti-ags'))),
    ]);
    const students = lms.addStudents(Math.max(N, RATE * LATENCY_SECONDS)).map((u) => u.id);
    let clock = Date.now();
    const answer = (userId: string, scoreGiven: number) =>
      withTransaction(db.pool, (tx) =>
        enqueueScore(tx, { tenantId, userId, resourceLinkId: link.id, scoreGiven, scoreMaximum: 10, activityProgress: 'InProgress', gradingProgress: 'FullyGraded', title: link.title, comment: 'bench', at: new Date((clock = Math.max(clock + 1, Date.now()))) }),
      );

    // 1. Throughput: commit N answers (16 writers), then let one worker drain the queue.
    const writers = 16;
    let next = 0;
    await Promise.all(Array.from({ length: writers }, async () => {
      while (next < N) {
        const i = next++;
        await answer(students[i], (i % 10) + 0.5);
      }
    }));
    const worker = srv.services.grades.createWorker({ concurrency: CONCURRENCY, pollMs: 200 });
    const t0 = performance.now();
    await worker.start();
    while (lms.stats.scorePosts < N) await new Promise((r) => setTimeout(r, 10));
    const drainS = (performance.now() - t0) / 1000;
    const scoresPerS = N / drainS;

    // 2 + 3. Steady answers with the worker running: answer-to-gradebook latency.
    const latencies: number[] = [];
    const commits = new Map<string, number>();
    const total = RATE * LATENCY_SECONDS;
    const start = Date.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const user = students[i];
      pending.push(answer(user, 9.75).then(() => void commits.set(user, Date.now())));
    }
    await Promise.all(pending);
    const deadline = Date.now() + 30_000;
    let rows: { user_id: string; received_at: Date }[] = [];
    while (Date.now() < deadline) {
      ({ rows } = await db.pool.query(`SELECT user_id, max(received_at) AS received_at FROM sandbox_scores WHERE score_given = 9.75 GROUP BY user_id`));
      if (rows.length >= total) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const r of rows) latencies.push(r.received_at.getTime() - commits.get(r.user_id)!);
    await worker.stop();
    const { rows: states } = await db.pool.query(`SELECT state, count(*)::int AS n FROM grade_outbox GROUP BY state`);
    const delivered = lms.stats.scorePosts;
    const lost = total - rows.length;
    const tokenPer1000 = (lms.stats.tokenRequests / delivered) * 1000;

    const table: [string, string][] = [
      ['scores delivered per second (drain of a backlog)', `${scoresPerS.toFixed(0)} /s  (${N} scores in ${drainS.toFixed(2)} s, ${CONCURRENCY} in flight)`],
      ['token requests', `${lms.stats.tokenRequests} for ${delivered} scores = ${tokenPer1000.toFixed(3)} per 1,000`],
      ['line items created', String(lms.stats.lineItemCreates)],
      [`answer -> gradebook at ${RATE} answers/s, p50`, `${pct(latencies, 50).toFixed(0)} ms`],
      [`answer -> gradebook at ${RATE} answers/s, p99`, `${pct(latencies, 99).toFixed(0)} ms`],
      ['answer -> gradebook, max', `${Math.max(...latencies).toFixed(0)} ms`],
      ['scores not visible after 30 s', String(lost)],
      ['outbox states', states.map((s) => `${s.state}=${s.n}`).join(' ')],
    ];
    const w = Math.max(...table.map(([k]) => k.length));
    const load = os.loadavg()[0];
    process.stdout.write(`\nGrade delivery to the sandbox AGS (Node ${process.version}, ${os.cpus().length} CPUs, load average ${load.toFixed(1)}; tool, sandbox LMS and PostgreSQL share them)\n`);
    for (const [k, v] of table) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
    process.stdout.write(
      `${JSON.stringify({
        scores_per_s: Math.round(scoresPerS),
        token_requests_per_1000_scores: Number(tokenPer1000.toFixed(3)),
        token_requests_total: lms.stats.tokenRequests,
        answer_to_gradebook_p50_ms: Math.round(pct(latencies, 50)),
        answer_to_gradebook_p99_ms: Math.round(pct(latencies, 99)),
        scores_delivered: delivered,
        scores_lost: lost,
        cpus: os.cpus().length,
        load_avg_1m: Number(load.toFixed(2)),
      })}\n`,
    );
  } finally {
    await srv.close();
    await emb.stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench-grades failed: ${(err as Error).stack}\n`);
    process.exit(1);
  },
);
