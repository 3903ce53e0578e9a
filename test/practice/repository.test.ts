import { expect } from 'chai';
import type { Database } from '../../src/db/index.js';
import { createState } from '../../src/engine/index.js';
import { outboxRows, outboxUpsertSql } from '../../src/grades/index.js';
import {
  createLearner, readForAnswer, readLearner, recordSubmission, updateLearner, type AttemptRow, type LearnerKey, type VersionedLearner,
} from '../../src/practice/practice.repository.js';
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
});
