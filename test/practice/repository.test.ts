import { expect } from 'chai';
import type { Database } from '../../src/db/index.js';
import { createState } from '../../src/engine/index.js';
import { outboxRows, outboxUpsertSql } from '../../src/grades/index.js';
import {
  createLearner, readForAnswer, readLearner, recordSubmission, recordSubmissions, updateLearner, type AttemptRow, type LearnerKey, type VersionedLearner,
} from '../../src/practice/practice.repository.js';
import { SubmissionWriter } from '../../src/practice/submission-writer.js';
import { freshDatabase } from '../helpers/db.js';

/** The answer write is one statement guarded by the learner row's version: these are its guarantees. */
describe('practice repository: one-statement answer write with optimistic concurrency', function () {
  this.timeout(60_000);
  let db: Database;
  const T = 'tenant-a';
  before(async () => {
    db = await freshDatabase();
    await db.pool.query(`INSERT INTO platforms(id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url) VALUES ('p', 'P', 'https://lms.invalid', 'c', 'https://lms.invalid/a', 'https://lms.invalid/t', 'https://lms.invalid/j')`);
    await db.pool.query(`INSERT INTO tenants(id, platform_id, deployment_id) VALUES ($1, 'p', 'd1'), ('tenant-b', 'p', 'd2')`, [T]);
  });
  after(async () => {
    await db?.close();
  });

  const key = (user: string, tenantId = T): LearnerKey => ({ tenantId, resourceLinkId: 'link-1', userId: user });
  const attempt = (k: LearnerKey, submissionId: string, itemId = 'item-1'): AttemptRow => ({
    ...k, packId: 'pack', itemId, seed: 0, skills: ['s1'], kind: 'answer', tryNumber: 1, counted: true, response: '3/4', correct: true, score: 1,
    hintsUsed: 0, timeMs: 1000, difficulty: 0, remediates: null, submissionId, result: { correct: true }, answeredAt: new Date(),
  });
  const scores = (k: LearnerKey) => ({
    rows: outboxRows({ tenantId: k.tenantId, userId: k.userId, resourceLinkId: k.resourceLinkId, scoreGiven: 1, scoreMaximum: 10, activityProgress: 'InProgress', gradingProgress: 'FullyGraded', at: new Date() }),
    upsert: outboxUpsertSql,
  });
  const n = async (sql: string, params: unknown[]) => Number((await db.pool.query(sql, params)).rows[0].n);
  const changed = (row: VersionedLearner, answered: number): VersionedLearner => ({ ...row, answered, current: null });

  it('writes attempt, learner state, item calibration and the LMS score together, and bumps the version', async () => {
    const k = key('u1');
    const row = await createLearner(db.pool, k, createState());
    expect(row.version).to.equal(0);
    const out = await recordSubmission(db.pool, k, changed(row, 1), attempt(k, 'sub-0001'), { itemStat: { difficulty: 0.3, delta: 0.3, correct: true }, scores: scores(k) });
    expect(out).to.equal('recorded');
    const after = (await readLearner(db.pool, k))!;
    expect(after).to.include({ answered: 1, version: 1 });
    expect(await n(`SELECT count(*) AS n FROM attempts WHERE tenant_id = $1 AND user_id = 'u1'`, [T])).to.equal(1);
    expect(await n(`SELECT count(*) AS n FROM grade_outbox WHERE tenant_id = $1 AND user_id = 'u1'`, [T])).to.equal(1);
    const stat = (await db.pool.query(`SELECT difficulty, answers, correct FROM item_stats WHERE tenant_id = $1 AND item_id = 'item-1'`, [T])).rows[0];
    expect(stat).to.deep.equal({ difficulty: 0.3, answers: 1, correct: 1 });
    const read = await readForAnswer(db.pool, k, 'sub-0001', 'pack', 'item-1');
    expect(read.seen).to.deep.equal({ resourceLinkId: 'link-1', result: { correct: true } });
    expect(read.stat).to.deep.equal({ difficulty: 0.3, answers: 1 });
    expect(read.learner?.version).to.equal(1);
  });

  it('refuses a write from a stale read and writes nothing of it', async () => {
    const k = key('u2');
    const row = await createLearner(db.pool, k, createState());
    expect(await updateLearner(db.pool, k, { ...row, answered: 7 })).to.equal(true);
    expect(await updateLearner(db.pool, k, { ...row, answered: 8 })).to.equal(false);
    const out = await recordSubmission(db.pool, k, changed(row, 9), attempt(k, 'sub-0002'), { itemStat: { difficulty: 1, delta: 1, correct: true }, scores: scores(k) });
    expect(out).to.equal('conflict');
    expect((await readLearner(db.pool, k))!).to.include({ answered: 7, version: 1 });
    expect(await n(`SELECT count(*) AS n FROM attempts WHERE user_id = 'u2'`, [])).to.equal(0);
    expect(await n(`SELECT count(*) AS n FROM grade_outbox WHERE user_id = 'u2'`, [])).to.equal(0);
  });

  it('records a submission id once: a replay is a duplicate and changes no state', async () => {
    const k = key('u3');
    const row = await createLearner(db.pool, k, createState());
    expect(await recordSubmission(db.pool, k, changed(row, 1), attempt(k, 'sub-0003'))).to.equal('recorded');
    const now = (await readLearner(db.pool, k))!;
    expect(await recordSubmission(db.pool, k, changed(now, 2), attempt(k, 'sub-0003'), { itemStat: { difficulty: 1, delta: 1, correct: true }, scores: scores(k) })).to.equal('duplicate');
    expect((await readLearner(db.pool, k))!).to.include({ answered: 1, version: 1 });
    expect(await n(`SELECT count(*) AS n FROM item_stats WHERE tenant_id = $1 AND item_id = 'item-1' AND answers > 1`, [T])).to.equal(0);
  });

  it('lets exactly one of many simultaneous writes from the same read win', async () => {
    const k = key('u4');
    const row = await createLearner(db.pool, k, createState());
    const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => recordSubmission(db.pool, k, changed(row, 1), attempt(k, `sub-race-${i}`))));
    expect(outs.filter((o) => o === 'recorded')).to.have.length(1);
    expect(outs.filter((o) => o === 'conflict')).to.have.length(7);
    expect(await n(`SELECT count(*) AS n FROM attempts WHERE user_id = 'u4'`, [])).to.equal(1);
  });

  it('loses no calibration step when many students answer the same item at once', async () => {
    const users = Array.from({ length: 12 }, (_, i) => key(`many-${i}`));
    const rows = await Promise.all(users.map((k) => createLearner(db.pool, k, createState())));
    const outs = await Promise.all(users.map((k, i) => recordSubmission(db.pool, k, changed(rows[i], 1), attempt(k, `sub-many-${i}`, 'item-shared'), { itemStat: { difficulty: -0.1, delta: -0.1, correct: false } })));
    expect(outs.every((o) => o === 'recorded')).to.equal(true);
    const stat = (await db.pool.query(`SELECT difficulty, answers, correct FROM item_stats WHERE tenant_id = $1 AND item_id = 'item-shared'`, [T])).rows[0];
    expect(stat.answers).to.equal(12);
    expect(stat.correct).to.equal(0);
    expect(stat.difficulty).to.be.closeTo(-1.2, 1e-9);
  });

  it('keeps the version guard inside the tenant: another tenant with the same link and user is untouched', async () => {
    const a = key('same-user');
    const b = key('same-user', 'tenant-b');
    const ra = await createLearner(db.pool, a, createState());
    await createLearner(db.pool, b, createState());
    expect(await recordSubmission(db.pool, a, changed(ra, 1), attempt(a, 'sub-tenant-1'))).to.equal('recorded');
    expect((await readLearner(db.pool, b))!).to.include({ answered: 0, version: 0 });
    expect((await readForAnswer(db.pool, b, 'sub-tenant-1', 'pack', 'item-1')).seen).to.equal(null);
  });

  describe('several students in one statement (group commit)', () => {
    const stat = async (item: string, tenant = T) =>
      (await db.pool.query(`SELECT difficulty, answers, correct FROM item_stats WHERE tenant_id = $1 AND item_id = $2`, [tenant, item])).rows[0];

    it('records each submission with its own attempt, state, score row and calibration step', async () => {
      const ks = ['b1', 'b2', 'b3'].map((u) => key(u));
      const rows = await Promise.all(ks.map((k) => createLearner(db.pool, k, createState())));
      const outs = await recordSubmissions(db.pool, ks.map((k, i) => ({
        key: k, learner: changed(rows[i], 1), attempt: attempt(k, `sub-batch-${i}`, 'item-batch'),
        extra: { itemStat: { difficulty: 0.5 + 0.1 * i, delta: 0.1 * (i + 1), correct: i !== 1 }, scores: scores(k) },
      })));
      expect(outs).to.deep.equal(['recorded', 'recorded', 'recorded']);
      for (const k of ks) {
        expect((await readLearner(db.pool, k))!).to.include({ answered: 1, version: 1 });
        expect(await n(`SELECT count(*) AS n FROM attempts WHERE tenant_id = $1 AND user_id = $2`, [T, k.userId])).to.equal(1);
        expect(await n(`SELECT count(*) AS n FROM grade_outbox WHERE tenant_id = $1 AND user_id = $2 AND state = 'pending'`, [T, k.userId])).to.equal(1);
      }
      // A new item row: the difficulty the answers saw (0.4) plus every step (0.1 + 0.2 + 0.3).
      const s = await stat('item-batch');
      expect(s.answers).to.equal(3);
      expect(s.correct).to.equal(2);
      expect(s.difficulty).to.be.closeTo(1.0, 1e-9);
      // An existing row takes the steps as a delta.
      const again = await Promise.all(ks.map((k) => readLearner(db.pool, k)));
      await recordSubmissions(db.pool, ks.map((k, i) => ({
        key: k, learner: changed(again[i]!, 2), attempt: attempt(k, `sub-batch-b-${i}`, 'item-batch'), extra: { itemStat: { difficulty: 9, delta: -0.25, correct: false } },
      })));
      expect((await stat('item-batch')).difficulty).to.be.closeTo(0.25, 1e-9);
      expect((await stat('item-batch')).answers).to.equal(6);
    });

    it('decides each submission on its own: a stale one and a replayed one write nothing, the others are recorded', async () => {
      const [kStale, kDup, kOk] = ['s-stale', 's-dup', 's-ok'].map((u) => key(u));
      const stale = await createLearner(db.pool, kStale, createState());
      await updateLearner(db.pool, kStale, { ...stale, answered: 5 });
      const dupRow = await createLearner(db.pool, kDup, createState());
      expect(await recordSubmission(db.pool, kDup, changed(dupRow, 1), attempt(kDup, 'sub-s-dup'))).to.equal('recorded');
      const dupNow = (await readLearner(db.pool, kDup))!;
      const okRow = await createLearner(db.pool, kOk, createState());
      const extra = (k: LearnerKey) => ({ itemStat: { difficulty: 1, delta: 1, correct: true }, scores: scores(k) });
      const outs = await recordSubmissions(db.pool, [
        { key: kStale, learner: changed(stale, 9), attempt: attempt(kStale, 'sub-s-stale', 'item-mixed'), extra: extra(kStale) },
        { key: kDup, learner: changed(dupNow, 9), attempt: attempt(kDup, 'sub-s-dup', 'item-mixed'), extra: extra(kDup) },
        { key: kOk, learner: changed(okRow, 1), attempt: attempt(kOk, 'sub-s-ok', 'item-mixed'), extra: extra(kOk) },
      ]);
      expect(outs).to.deep.equal(['conflict', 'duplicate', 'recorded']);
      expect((await readLearner(db.pool, kStale))!).to.include({ answered: 5, version: 1 });
      expect((await readLearner(db.pool, kDup))!).to.include({ answered: 1, version: 1 });
      expect(await n(`SELECT count(*) AS n FROM attempts WHERE user_id IN ('s-stale', 's-dup')`, [])).to.equal(1);
      expect(await n(`SELECT count(*) AS n FROM grade_outbox WHERE user_id IN ('s-stale', 's-dup')`, [])).to.equal(0);
      expect(await stat('item-mixed')).to.deep.equal({ difficulty: 1, answers: 1, correct: 1 });
    });

    it('keeps every row of a batch inside its own tenant', async () => {
      const a = key('batch-same');
      const b = key('batch-same', 'tenant-b');
      const [ra, rb] = await Promise.all([createLearner(db.pool, a, createState()), createLearner(db.pool, b, createState())]);
      // Tenant b's row is one version ahead: a guard that ignored the tenant would see it.
      await updateLearner(db.pool, b, { ...rb, answered: 3 });
      const outs = await recordSubmissions(db.pool, [
        { key: a, learner: changed(ra, 1), attempt: attempt(a, 'sub-bt-a'), extra: { scores: scores(a) } },
        { key: b, learner: changed(rb, 1), attempt: attempt(b, 'sub-bt-b'), extra: { scores: scores(b) } },
      ]);
      expect(outs).to.deep.equal(['recorded', 'conflict']);
      expect((await readLearner(db.pool, b))!).to.include({ answered: 3, version: 1 });
      expect(await n(`SELECT count(*) AS n FROM attempts WHERE tenant_id = 'tenant-b'`, [])).to.equal(0);
      expect(await n(`SELECT count(*) AS n FROM grade_outbox WHERE tenant_id = 'tenant-b'`, [])).to.equal(0);
    });

    it('writes many concurrent answers in fewer statements, losing no calibration step', async () => {
      const writer = new SubmissionWriter(db.pool, undefined, { inFlight: 1, maxBatch: 8 });
      const ks = Array.from({ length: 40 }, (_, i) => key(`w-${i}`));
      const rows = await Promise.all(ks.map((k) => createLearner(db.pool, k, createState())));
      const outs = await Promise.all(ks.map((k, i) => writer.record({
        key: k, learner: changed(rows[i], 1), attempt: attempt(k, `sub-w-${i}`, 'item-writer'), extra: { itemStat: { difficulty: 0.01, delta: 0.01, correct: true }, scores: scores(k) },
      })));
      expect(outs.every((o) => o === 'recorded')).to.equal(true);
      expect(writer.stats.submissions).to.equal(40);
      // The first goes alone; the 39 that waited go in batches of at most 8.
      expect(writer.stats.statements).to.equal(1 + Math.ceil(39 / 8));
      const s = await stat('item-writer');
      expect(s.answers).to.equal(40);
      expect(s.difficulty).to.be.closeTo(0.4, 1e-9);
      expect(await n(`SELECT count(*) AS n FROM grade_outbox WHERE user_id LIKE 'w-%'`, [])).to.equal(40);
    });

    it('never puts two submissions of one student in one statement: one of a double submit wins', async () => {
      const writer = new SubmissionWriter(db.pool, undefined, { inFlight: 1, maxBatch: 8 });
      const k = key('w-double');
      const other = key('w-other');
      const [row, otherRow] = await Promise.all([createLearner(db.pool, k, createState()), createLearner(db.pool, other, createState())]);
      const blocker = writer.record({ key: other, learner: changed(otherRow, 1), attempt: attempt(other, 'sub-w-other') });
      // Both wait behind the first statement; they must still not share the next one.
      const outs = await Promise.all([0, 1, 2].map((i) => writer.record({ key: k, learner: changed(row, 1), attempt: attempt(k, `sub-w-double-${i}`) })));
      expect(await blocker).to.equal('recorded');
      expect(outs.filter((o) => o === 'recorded')).to.have.length(1);
      expect(outs.filter((o) => o === 'conflict')).to.have.length(2);
      expect(await n(`SELECT count(*) AS n FROM attempts WHERE user_id = 'w-double'`, [])).to.equal(1);
    });

    it('writes a failed batch one by one, so one bad submission fails only itself', async () => {
      const writer = new SubmissionWriter(db.pool, undefined, { inFlight: 1, maxBatch: 8 });
      const ks = Array.from({ length: 5 }, (_, i) => key(`f-${i}`));
      const rows = await Promise.all(ks.map((k) => createLearner(db.pool, k, createState())));
      const results = await Promise.allSettled(ks.map((k, i) => writer.record({
        key: k, learner: changed(rows[i], 1),
        // time_ms is an integer column: 3e9 makes the statement fail.
        attempt: { ...attempt(k, `sub-f-${i}`), timeMs: i === 3 ? 3e9 : 1000 },
      })));
      expect(writer.stats.batchFailures).to.equal(1);
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(await n(`SELECT count(*) AS n FROM attempts WHERE user_id LIKE 'f-%'`, [])).to.equal(4);
      expect((await readLearner(db.pool, ks[3]))!).to.include({ answered: 0, version: 0 });
    });
  });
});
