import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import type { GradeWorker } from '../../src/grades/index.js';
import type { RunningServer } from '../../src/server.js';
import { admin, cell, enqueue, launchStudents, memoryLog, outboxStates, startGradeServer, STUDENTS, tenantOf, waitFor, worker, closeServer } from './helpers.js';

/** Every score the sandbox accepted for a user, in arrival order, per column. */
async function received(srv: RunningServer, userId: string) {
  const { rows } = await srv.db.pool.query(`SELECT line_item_id, score_given, ts FROM sandbox_scores WHERE user_id = $1 ORDER BY id`, [userId]);
  return rows as { line_item_id: string; score_given: number; ts: Date }[];
}

function assertIncreasing(rows: { line_item_id: string; ts: Date }[]): void {
  const last = new Map<string, number>();
  for (const r of rows) {
    const t = r.ts.getTime();
    expect(t, 'timestamps increase per line item').to.be.greaterThan(last.get(r.line_item_id) ?? 0);
    last.set(r.line_item_id, t);
  }
}

describe('grades: faults and recovery', function () {
  this.timeout(30_000);
  let srv: RunningServer;
  let w: GradeWorker | undefined;
  let child: ChildProcess | undefined;
  before(async () => {
    srv = await startGradeServer();
    await launchStudents(srv);
    srv.services.sandbox!.lms.addStudents(30);
  });
  after(async () => {
    child?.kill('SIGKILL');
    await w?.stop();
    await closeServer(srv);
  });
  afterEach(async () => {
    await w?.stop();
    w = undefined;
    srv.services.sandbox!.lms.setFaults({ failPercent: 0, downUntil: 0, tooManyNext: 0, delayMs: 0, malformedNext: 0, retryAfterS: 1 });
  });
  const lms = () => srv.services.sandbox!.lms;

  it('logs a malformed AGS answer and retries; the worker keeps going', async () => {
    const mem = memoryLog();
    w = worker(srv, {}, mem.log);
    lms().setFaults({ malformedNext: 2 });
    await w.start();
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 4 });
    await waitFor('the score despite malformed answers', () => cell(srv, STUDENTS[0]));
    const retries = mem.lines.filter((l) => l.msg === 'score delivery failed; will retry');
    expect(retries.length).to.be.at.least(1);
    expect(retries.every((l) => l.code === 'malformed')).to.equal(true);
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 6 });
    await waitFor('a later score', async () => (await cell(srv, STUDENTS[0]))?.scoreGiven === 6);
    expect(mem.text()).not.to.match(/Bearer|eyJ[A-Za-z0-9_-]{10,}/);
  });

  it('survives 500s for a period: every student’s newest score arrives, never out of order', async () => {
    w = worker(srv);
    await w.start();
    lms().setFaults({ downUntil: Date.now() + 1_200 });
    const rejectsBefore = lms().stats.scoreRejects;
    for (let round = 1; round <= 5; round++) {
      for (const u of STUDENTS) await enqueue(srv, { userId: u, scoreGiven: round });
      await new Promise((r) => setTimeout(r, 120));
    }
    expect(lms().stats.faultsServed).to.be.greaterThan(0);
    for (const u of STUDENTS) await waitFor(`${u}'s newest score`, async () => (await cell(srv, u))?.scoreGiven === 5, 15_000);
    // A couple more after the recovery, to see the order still holds.
    for (const u of STUDENTS) await enqueue(srv, { userId: u, scoreGiven: 6 });
    for (const u of STUDENTS) await waitFor(`${u}'s last score`, async () => (await cell(srv, u))?.scoreGiven === 6);
    expect(lms().stats.scoreRejects - rejectsBefore, 'no score refused for an old timestamp').to.equal(0);
    for (const u of STUDENTS) assertIncreasing(await received(srv, u));
    await waitFor('every delivery recorded', async () => (await outboxStates(srv)).sent === STUDENTS.length);
    expect(await outboxStates(srv)).to.deep.equal({ sent: STUDENTS.length });
  });

  it('honours 429 Retry-After: nothing is sent to the platform before it has passed', async () => {
    w = worker(srv);
    await w.start();
    await enqueue(srv, { userId: STUDENTS[1], scoreGiven: 9 });
    await waitFor('a warm token and line item', async () => (await cell(srv, STUDENTS[1]))?.scoreGiven === 9);
    lms().setFaults({ tooManyNext: 1, retryAfterS: 1 });
    await enqueue(srv, { userId: STUDENTS[1], scoreGiven: 8 });
    const throttled = await waitFor('the 429', async () => lms().calls.find((c) => c.status === 429));
    for (const u of STUDENTS.slice(2)) await enqueue(srv, { userId: u, scoreGiven: 8 });
    for (const u of STUDENTS.slice(1)) await waitFor(`${u} after the 429`, async () => (await cell(srv, u))?.scoreGiven === 8, 10_000);
    const later = lms().calls.filter((c) => c.startedAt > throttled.at);
    expect(later.length).to.be.at.least(3);
    for (const c of later) expect(c.startedAt - throttled.at, 'a call started before Retry-After had passed').to.be.at.least(950);
  });

  it('refreshes a token the platform stopped accepting (401) once, and delivers', async () => {
    w = worker(srv);
    await w.start();
    const tokens = lms().stats.tokenRequests;
    lms().revokeTokens();
    await enqueue(srv, { userId: STUDENTS[2], scoreGiven: 1.5 });
    await waitFor('the score after a 401', async () => (await cell(srv, STUDENTS[2]))?.scoreGiven === 1.5);
    expect(lms().stats.tokenRequests - tokens).to.equal(1);
    expect(lms().calls.some((c) => c.status === 401)).to.equal(true);
  });

  it('dead-letters after GRADE_MAX_ATTEMPTS, lists it in the admin API and re-sends it on resync', async () => {
    w = worker(srv, { maxAttempts: 3 });
    lms().setFaults({ downUntil: Date.now() + 60_000 });
    await w.start();
    await enqueue(srv, { userId: STUDENTS[3], scoreGiven: 2.5 });
    const failed = await waitFor('a dead letter', async () => {
      const r = await admin(srv, 'GET', '/admin/api/grades/failed');
      return r.body.failed.length === 1 && r.body.failed;
    });
    expect(failed[0]).to.include({ userId: STUDENTS[3], attempts: 3, lastStatus: 500, tenantId: tenantOf(srv), column: 'score' });
    expect(failed[0].score.scoreGiven).to.equal(2.5);
    expect((await admin(srv, 'GET', '/admin/api/grades/failed', undefined)).status).to.equal(200);
    expect((await fetch(`${srv.url}/admin/api/grades/failed`)).status).to.equal(401);
    lms().setFaults({ downUntil: 0 });
    const resync = await admin(srv, 'POST', '/admin/api/grades/resync', {});
    expect(resync.body).to.deep.equal({ requeued: 1 });
    await waitFor('the re-sent score', async () => (await cell(srv, STUDENTS[3]))?.scoreGiven === 2.5);
    await waitFor('an empty queue', async () => {
      const s = (await admin(srv, 'GET', '/admin/api/grades/stats')).body;
      return s.failed === 0 && s.pending === 0;
    });
  });

  it('dead-letters at once what the LMS refuses for good (422: not a student of the course)', async () => {
    w = worker(srv);
    await w.start();
    await enqueue(srv, { userId: 'sandbox-teacher-1', scoreGiven: 1 });
    const f = await waitFor('the refusal', async () => (await admin(srv, 'GET', '/admin/api/grades/failed')).body.failed.find((x: { userId: string }) => x.userId === 'sandbox-teacher-1'));
    expect(f).to.include({ attempts: 1, lastStatus: 422 });
    await srv.db.pool.query(`DELETE FROM grade_outbox WHERE user_id = 'sandbox-teacher-1'`);
  });

  it('loses nothing when the worker process is killed mid-queue and another starts', async function () {
    const extra = Array.from({ length: 30 }, (_, i) => `sandbox-extra-${i + 1}`);
    const postsBefore = lms().stats.scorePosts;
    const rejectsBefore = lms().rejects.length;
    lms().setFaults({ delayMs: 40 });
    for (const u of extra) await enqueue(srv, { userId: u, scoreGiven: 7 });
    child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: process.cwd(),
      env: { ...process.env, DATABASE_URL: srv.db.url, LOG_LEVEL: 'silent', GRADE_CONCURRENCY: '3', GRADE_POLL_MS: '50', GRADE_LEASE_MS: '1000', GRADE_REQUEST_TIMEOUT_MS: '300', GRADE_BACKOFF_BASE_MS: '50' },
      stdio: 'ignore',
    });
    await waitFor('the child worker to deliver some', async () => lms().stats.scorePosts - postsBefore >= 5, 15_000);
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;
    const { rows } = await srv.db.pool.query(`SELECT count(*)::int AS n FROM grade_outbox WHERE state = 'pending' AND user_id LIKE 'sandbox-extra-%'`);
    expect(rows[0].n, 'the kill left work behind').to.be.greaterThan(0);
    w = worker(srv);
    await w.start();
    for (const u of extra) await waitFor(`${u}'s score`, async () => (await cell(srv, u))?.scoreGiven === 7, 15_000);
    // Rows the killed worker held are re-sent once their lease runs out (with a later timestamp).
    const states = await waitFor('an empty queue', async () => {
      const s = await outboxStates(srv);
      return !s.pending && s;
    });
    expect(states.failed ?? 0).to.equal(0);
    // A request cut off by the kill may reach the sandbox without its body; only timestamp refusals matter here.
    const refused = lms().rejects.slice(rejectsBefore).filter((r) => r.error.includes('timestamp'));
    expect(refused, 'no re-send was refused for its timestamp').to.deep.equal([]);
    for (const u of extra) assertIncreasing(await received(srv, u));
  });
});
