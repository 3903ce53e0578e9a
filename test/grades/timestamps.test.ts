import { expect } from 'chai';
import type { GradeWorker } from '../../src/grades/index.js';
import { scoreTimestamp, scoreTimestampSql } from '../../src/grades/timestamps.js';
import type { RunningServer } from '../../src/server.js';
import { launch } from '../helpers/launch.js';
import { admin, cell, closeServer, enqueue, gradebook, LINK, outboxStates, startGradeServer, STUDENTS, tenantOf, waitFor, worker } from './helpers.js';

/** Waits for the start of the next whole second, so two answers 300 ms apart share one whole second. */
async function startOfNextSecond(): Promise<number> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
  return Date.now();
}

async function outboxRow(srv: RunningServer, userId: string) {
  const { rows } = await srv.db.pool.query(
    `SELECT state, attempts, last_status, last_error, score, score_ts, ts_floor, sent_count FROM grade_outbox
     WHERE tenant_id = $1 AND resource_link_id = $2 AND column_key = '' AND user_id = $3`,
    [tenantOf(srv), LINK, userId],
  );
  return rows[0];
}

/** Every score the sandbox stored for a user in the main column, oldest first. */
async function stored(srv: RunningServer, userId: string): Promise<{ ts: Date; score_given: number; new_submission: boolean | null }[]> {
  const { rows } = await srv.db.pool.query(
    `SELECT s.ts, s.score_given, s.new_submission FROM sandbox_scores s JOIN sandbox_line_items li ON li.id = s.line_item_id
     WHERE li.tag = 'score' AND s.user_id = $1 ORDER BY s.id`,
    [userId],
  );
  return rows;
}

describe('grades: score timestamps in whole seconds (Moodle) and milliseconds (Canvas)', function () {
  this.timeout(60_000);
  let srv: RunningServer;
  let w: GradeWorker | undefined;
  before(async () => {
    srv = await startGradeServer();
    await launch(srv, { user: STUDENTS[0] });
  });
  after(async () => {
    await w?.stop();
    await closeServer(srv);
  });
  afterEach(async () => {
    await w?.stop();
    w = undefined;
    await srv.services.sandbox!.lms.reset({ keepLineItems: true });
  });

  it('applies the same rule in SQL (the claim) as in TypeScript', async () => {
    const floors = [null, '2025-03-01T10:00:00.000Z', '2025-03-01T10:00:00.999Z', '2025-03-01T10:00:05.400Z'];
    const answers = ['2025-03-01T09:59:59.999Z', '2025-03-01T10:00:00.500Z', '2025-03-01T10:00:01.000Z', '2025-03-01T10:00:06.123Z'];
    for (const f of floors) {
      for (const a of answers) {
        const { rows } = await srv.db.pool.query(`SELECT ${scoreTimestampSql('$1::timestamptz', '$2::timestamptz')} AS ts`, [a, f]);
        expect(new Date(rows[0].ts).toISOString(), `answer ${a}, floor ${f}`).to.equal(scoreTimestamp(new Date(a), f ? new Date(f) : null).toISOString());
      }
    }
  });

  it('Moodle rule: two answers within one second both go, and the gradebook ends with the newest score', async () => {
    await srv.services.sandbox!.lms.setFaults({ wholeSecondTimestamps: true });
    // Dead-lettering after 2 failed tries: a 409 counted as a failure would lose the newest score here.
    w = worker(srv, { maxAttempts: 2 });
    await w.start();
    // The column exists and a token is cached, so the first answer below goes out at once.
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 3 });
    await waitFor('a first score', async () => (await outboxRow(srv, STUDENTS[0]))?.state === 'sent');
    const t0 = await startOfNextSecond();
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 4, at: new Date(t0) });
    await waitFor('the score of the first answer', async () => (await cell(srv, STUDENTS[0]))?.scoreGiven === 4, 5_000, 5);
    // The second answer, 300 ms after the first: the same whole second as the timestamp already sent.
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 5, at: new Date(t0 + 300) });
    const c = await waitFor('the newest score', async () => {
      const x = await cell(srv, STUDENTS[0]);
      return x?.scoreGiven === 5 && x;
    });
    expect(c.recorded).to.equal(true);
    await waitFor('the delivery recorded', async () => (await outboxRow(srv, STUDENTS[0]))?.state === 'sent');
    const all = await stored(srv, STUDENTS[0]);
    const last = all.slice(-2);
    expect(last.map((s) => s.score_given)).to.deep.equal([4, 5]);
    expect(last[0].ts.getTime()).to.equal(t0, 'the first answer was sent with its own time');
    expect(Math.floor(last[1].ts.getTime() / 1000)).to.be.greaterThan(Math.floor(last[0].ts.getTime() / 1000));
    expect(last[1].ts.getTime()).to.be.at.most(Date.now(), 'the timestamp is not ahead of the clock');
    expect(srv.services.sandbox!.lms.rejects, JSON.stringify(srv.services.sandbox!.lms.rejects)).to.have.length(0);
    expect(await outboxStates(srv)).to.not.have.property('failed');
  });

  it('retries a 409 (Moodle holds a later second, e.g. a grade edited in the LMS) with later timestamps, never dead-lettering it', async () => {
    const lms = srv.services.sandbox!.lms;
    lms.setFaults({ wholeSecondTimestamps: true });
    // The LMS holds a grade stamped 2 s ahead of our clock: the next sends are refused until we pass it.
    const ahead = new Date(Date.now() + 2_000);
    await srv.db.pool.query(
      `INSERT INTO sandbox_scores(line_item_id, user_id, score_given, score_maximum, activity_progress, grading_progress, ts, ts_text)
       SELECT li.id, $1, 9, 10, 'Completed', 'FullyGraded', $2, $3 FROM sandbox_line_items li WHERE li.tag = 'score'`,
      [STUDENTS[0], ahead, ahead.toISOString()],
    );
    w = worker(srv, { maxAttempts: 2 });
    await w.start();
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 6 });
    // Meanwhile the admin API shows the score as retrying, and why.
    const shown = await waitFor('the score listed as retrying', async () => {
      const r = await admin(srv, 'GET', `/admin/api/grades/retrying?tenantId=${encodeURIComponent(tenantOf(srv))}`);
      return r.body?.retrying?.find((x: { userId: string; lastStatus: number }) => x.userId === STUDENTS[0] && x.lastStatus === 409);
    }, 10_000);
    expect(shown.lastError).to.match(/earlier timestamp/);
    expect(shown.score).to.include({ scoreGiven: 6 });
    const c = await waitFor('the newest score after the conflicts', async () => {
      const x = await cell(srv, STUDENTS[0]);
      return x?.scoreGiven === 6 && x;
    }, 15_000);
    expect(c.recorded).to.equal(true);
    expect(lms.rejects.length).to.be.at.least(1);
    expect(lms.rejects.every((r) => r.status === 409)).to.equal(true);
    expect(lms.rejects.length).to.be.at.least(2, 'more refusals than GRADE_MAX_ATTEMPTS, and still delivered');
    await waitFor('the delivery recorded', async () => (await outboxRow(srv, STUDENTS[0]))?.state === 'sent');
    const row = await outboxRow(srv, STUDENTS[0]);
    expect(Math.floor(new Date(row.score_ts).getTime() / 1000)).to.be.greaterThan(Math.floor(ahead.getTime() / 1000));
  });

  it('retries a Canvas 400 "not after current timestamp" with a timestamp after the one Canvas names', async () => {
    const lms = srv.services.sandbox!.lms;
    const ahead = new Date(Date.now() + 1_500);
    await srv.db.pool.query(
      `INSERT INTO sandbox_scores(line_item_id, user_id, score_given, score_maximum, activity_progress, grading_progress, ts, ts_text)
       SELECT li.id, $1, 9, 10, 'Completed', 'FullyGraded', $2, $3 FROM sandbox_line_items li WHERE li.tag = 'score'`,
      [STUDENTS[0], ahead, ahead.toISOString()],
    );
    w = worker(srv, { maxAttempts: 1 });
    await w.start();
    await enqueue(srv, { userId: STUDENTS[0], scoreGiven: 7 });
    await waitFor('the newest score', async () => (await cell(srv, STUDENTS[0]))?.scoreGiven === 7, 15_000);
    // Canvas named its timestamp, so one refusal was enough.
    expect(lms.rejects).to.have.length(1);
    expect(lms.rejects[0].status).to.equal(400);
    expect(lms.rejects[0].error).to.match(/not after current timestamp/);
    const all = await stored(srv, STUDENTS[0]);
    expect(all.at(-1)!.ts.getTime()).to.be.greaterThan(ahead.getTime());
  });

  it('sends the Canvas submission extension to Canvas launches only', async () => {
    w = worker(srv);
    await w.start();
    // The same link launched from a Moodle-shaped LMS: its scores carry no Canvas extension.
    await launch(srv, { user: STUDENTS[1], flavor: 'moodle' });
    await enqueue(srv, { userId: STUDENTS[1], scoreGiven: 2 });
    await waitFor('the Moodle-launched score', async () => (await cell(srv, STUDENTS[1]))?.scoreGiven === 2);
    expect((await cell(srv, STUDENTS[1]))!.newSubmission).to.equal(null);
    await w.stop();

    // Launched from Canvas again: the extension is back (an update, so new_submission false).
    await launch(srv, { user: STUDENTS[1], flavor: 'canvas' });
    w = worker(srv);
    await w.start();
    await enqueue(srv, { userId: STUDENTS[1], scoreGiven: 3 });
    await waitFor('the Canvas-launched score', async () => (await cell(srv, STUDENTS[1]))?.scoreGiven === 3);
    expect((await cell(srv, STUDENTS[1]))!.newSubmission).to.equal(false);
    const gb = await gradebook(srv);
    expect(gb.columns.filter((c) => c.tag === 'score')).to.have.length(1);
  });
});
