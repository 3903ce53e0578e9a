import { expect } from 'chai';
import request from 'supertest';
import type { LearnerState } from '../../src/engine/index.js';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Pack } from '../../src/content/content.schema.js';
import { correctResponse } from '../../src/content/grading.js';
import { markedByTeacher } from '../../src/dashboard/overrides.js';
import { startTestServer } from '../helpers/server.js';
import { launch } from '../helpers/launch.js';
import { Student, concrete } from '../helpers/practice.js';
import { staffWorld, type StaffWorld } from './staff-fixture.js';

/**
 * Overrides with an audit trail (issue 16 item 7): each change is recorded with who, when and why, changes
 * the learner state where the mastery computation sees it, and queues the student's grade in the grade
 * outbox (checked on the outbox row); refused for students, other courses and other tenants, and without
 * a reason.
 */
describe('instructor overrides', function () {
  this.timeout(60_000);
  let w: StaffWorld;
  const U = 'stu-1';

  before(async () => {
    w = await staffWorld();
    await w.answers('t1', 'link-a', [
      { user: U, item: 'unit-how-many-2', correct: false },
      { user: U, item: 'unit-how-many-5', correct: false },
      { user: U, item: 'equiv-odd-one-1-2', correct: true, choice: 'd' },
    ]);
    await w.answers('t2', 'link-a', [{ user: U, item: 'unit-how-many-2', correct: true }]);
  });
  after(async () => {
    await w?.close();
  });

  const q = async <T = Record<string, unknown>>(sql: string, v: unknown[] = []) => (await w.db.pool.query(sql, v)).rows as T[];
  const post = async (token: string, fields: Record<string, string>, user = U) =>
    request(w.app).post(`/dashboard/students/${user}/overrides`).type('form').send({ ltik: token, ...fields });
  const state = async (tenant = 't1') => (await q<{ state: LearnerState }>(`SELECT state FROM learner_states WHERE tenant_id = $1 AND resource_link_id = 'link-a' AND user_id = $2`, [tenant, U]))[0]!.state;
  const outbox = async (tenant = 't1') =>
    (await q<{ score: { scoreGiven?: number; comment?: string; activityProgress: string }; version: string; state: string }>(
      `SELECT score, version, state FROM grade_outbox WHERE tenant_id = $1 AND resource_link_id = 'link-a' AND user_id = $2 AND column_key = ''`, [tenant, U],
    ))[0];
  const audit = async (tenant = 't1') => q<{ action: string; skill_id: string | null; reason: string; by_user: string; by_name: string; by_role: string; graded: boolean; at: Date }>(
    `SELECT action, skill_id, reason, by_user, by_name, by_role, graded, at FROM learner_overrides WHERE tenant_id = $1 AND user_id = $2 ORDER BY id`, [tenant, U],
  );

  it('marks a skill mastered: audited, in the learner state, the grade re-queued, shown in the drill-down', async () => {
    const token = await w.token('teacher', { name: 'Ms Lee' });
    expect(await outbox()).to.equal(undefined);
    const res = await post(token, { action: 'mastered', skill: 'unit-fractions', reason: 'Showed it on the class quiz' });
    expect(res.status, res.text.slice(0, 400)).to.equal(200);
    expect(res.text).to.contain('data-testid="override-saved"');
    const rows = await audit();
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ action: 'mastered', skill_id: 'unit-fractions', reason: 'Showed it on the class quiz', by_user: 'teacher-1', by_name: 'Ms Lee', by_role: 'instructor', graded: true });
    const s = (await state()).skills['unit-fractions']!;
    expect(s.mastered).to.equal(true);
    expect((s as { markedAt?: number }).markedAt).to.equal(s.masteredAt);
    // One of the four skills mastered: 25 of 100 points, queued for delivery.
    const ob = (await outbox())!;
    expect(ob.state).to.equal('pending');
    expect(ob.score.scoreGiven).to.equal(25);
    expect(ob.score.comment).to.contain('Unit fractions 85% (mastered)');
    // The drill-down and the class's mastery computation see it.
    const page = await request(w.app).post(`/dashboard/students/${U}`).type('form').send({ ltik: token });
    expect(page.text).to.match(/data-testid="override-note">Marked mastered by Ms Lee on [A-Z][a-z]+ \d+, \d{4}</);
    expect(page.text).to.match(/data-testid="override-history">[\s\S]*Showed it on the class quiz/);
    expect(page.text).to.match(/data-skill="unit-fractions">[\s\S]*?mastered[\s\S]*?<td>85%<\/td>/);
  });

  it('refuses a change without a reason (400, nothing recorded, nothing queued)', async () => {
    const token = await w.token('teacher');
    const before = (await outbox())!.version;
    for (const reason of ['', '   ']) {
      const res = await post(token, { action: 'reset', skill: 'unit-fractions', reason });
      expect(res.status).to.equal(400);
      expect(res.text).to.contain('data-testid="override-error"');
    }
    expect(await post(token, { action: 'reset', skill: 'add-like-denominators', reason: 'not in the activity' })).to.have.property('status', 400);
    expect(await post(token, { action: 'delete-everything', skill: 'unit-fractions', reason: 'x' })).to.have.property('status', 400);
    expect(await audit()).to.have.length(1);
    expect((await outbox())!.version).to.equal(before);
  });

  it('a TA resets a skill: it starts afresh, earlier answers marked as before the reset, the grade re-queued', async () => {
    const token = await w.token('ta', { name: 'Mr Chen' });
    const before = Number((await outbox())!.version);
    const res = await post(token, { action: 'reset', skill: 'unit-fractions', reason: 'Start again after the re-teach' });
    expect(res.status).to.equal(200);
    expect((await state()).skills['unit-fractions']).to.equal(undefined);
    const rows = await audit();
    expect(rows[1]).to.include({ action: 'reset', by_name: 'Mr Chen', graded: true });
    const ob = (await outbox())!;
    expect(Number(ob.version)).to.equal(before + 1);
    expect(ob.score.scoreGiven).to.equal(0);
    expect(res.text.match(/data-testid="before-reset"/g)).to.have.length(2);
    expect(res.text).to.contain('Reset by Mr Chen on');
  });

  it('excuses the student (LMS grade cleared), keeps the excusal on a skill change, ends it when asked', async () => {
    const token = await w.token('teacher', { name: 'Ms Lee' });
    let res = await post(token, { action: 'excused', reason: 'Long illness' });
    expect(res.status).to.equal(200);
    let ob = (await outbox())!;
    expect(ob.score).not.to.have.property('scoreGiven');
    expect(ob.score.comment).to.equal('Excused by the teacher: Long illness');
    expect(res.text).to.contain('data-testid="excused"');
    // A skill change while excused is recorded but sends no grade.
    const version = ob.version;
    res = await post(token, { action: 'mastered', skill: 'simplest-form', reason: 'Oral check' });
    expect(res.status).to.equal(200);
    expect((await audit()).pop()).to.include({ action: 'mastered', graded: false });
    expect((await outbox())!.version).to.equal(version);
    res = await post(token, { action: 'unexcused', reason: 'Back at school' });
    expect(res.status).to.equal(200);
    ob = (await outbox())!;
    expect(ob.score.scoreGiven).to.equal(25);
    expect(res.text).not.to.contain('data-testid="excused"');
    expect((await audit()).map((r) => r.action)).to.deep.equal(['mastered', 'reset', 'excused', 'mastered', 'unexcused']);
  });

  it('refuses students (403) and answers 404 to another course or tenant: nothing recorded or queued there', async () => {
    const n = (await audit()).length;
    expect((await post(await w.token('student', { userId: U }), { action: 'mastered', skill: 'unit-fractions', reason: 'self' })).status).to.equal(403);
    expect((await post(await w.token('other-course'), { action: 'mastered', skill: 'unit-fractions', reason: 'x' })).status).to.equal(404);
    expect((await post(await w.token('other-course'), { action: 'excused', reason: 'x' })).status).to.equal(404);
    expect(await audit()).to.have.length(n);
    // The other tenant has a learner of the same id in a link of the same id: only theirs changes.
    expect((await post(await w.token('other-tenant'), { action: 'excused', reason: 'theirs' })).status).to.equal(200);
    expect(await audit()).to.have.length(n);
    expect(await audit('t2')).to.have.length(1);
    expect((await outbox())!.score.scoreGiven).to.equal(25);
    expect((await outbox('t2'))!.score).not.to.have.property('scoreGiven');
  });

  it('a state stored by an older engine is rebuilt from the log with the overrides applied at their time', async () => {
    const token = await w.token('teacher', { name: 'Ms Lee' });
    await w.answers('t1', 'link-a', [{ user: 'stu-old', item: 'unit-how-many-2', correct: false }, { user: 'stu-old', item: 'equiv-odd-one-1-2', correct: false, choice: 'a' }]);
    expect((await post(token, { action: 'mastered', skill: 'unit-fractions', reason: 'Oral check' }, 'stu-old')).status).to.equal(200);
    await q(`UPDATE learner_states SET state = '{"version": 1}' WHERE tenant_id = 't1' AND user_id = 'stu-old'`);
    const page = await request(w.app).post('/dashboard/students/stu-old').type('form').send({ ltik: token });
    expect(page.status).to.equal(200);
    expect(page.text).to.match(/data-skill="unit-fractions">[\s\S]*?mastered[\s\S]*?<td>85%<\/td>/);
    // An override on the old state keeps the earlier mark of another skill.
    expect((await post(token, { action: 'mastered', skill: 'equivalent-fractions', reason: 'Oral check 2' }, 'stu-old')).status).to.equal(200);
    const st = (await q<{ state: LearnerState }>(`SELECT state FROM learner_states WHERE tenant_id = 't1' AND user_id = 'stu-old'`))[0]!.state;
    expect(st.version).to.equal(2);
    expect(markedByTeacher(st.skills['unit-fractions'])).to.equal(true);
    expect(markedByTeacher(st.skills['equivalent-fractions'])).to.equal(true);
  });
});

describe('instructor overrides through the real practice loop', function () {
  this.timeout(120_000);
  let srv: RunningServer;
  let pack: Pack;
  before(async () => {
    [srv, pack] = await Promise.all([startTestServer(), loadDemoPack()]);
  });
  after(async () => {
    await srv?.close();
  });

  it("a skill marked mastered stays mastered in the student's own later answers and in the grade they send", async () => {
    const l = await launch(srv, { user: 'sandbox-student-2' });
    const s = new Student(srv, l.browser, l.ltik);
    const answer = async () => {
      await s.open();
      const item = concrete(pack, s.itemId!, s.seed);
      const r = correctResponse(item);
      const fields = item.type === 'ordering' ? Object.fromEntries((r as readonly string[]).map((id, i) => [`order_${id}`, String(i + 1)])) : { response: typeof r === 'string' ? r : [...r] };
      await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...fields });
      expect(s.status).to.equal(200);
    };
    await answer();
    // The teacher marks a skill the student has not reached yet.
    const teacher = await srv.services.sessions.issue({ ...(await srv.services.sessions.verify(l.ltik)), userId: 'sandbox-teacher-1', name: 'Ms. Rivera', roles: ['instructor'], role: 'instructor' });
    const res = await request(srv.url).post('/dashboard/students/sandbox-student-2/overrides').type('form')
      .send({ ltik: teacher, action: 'mastered', skill: 'comparing-fractions', reason: 'Knows it from last year' });
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    // The student answers on: the practice loop writes the state and queues the grade itself.
    await answer();
    await answer();
    const row = (await srv.db.pool.query(`SELECT state FROM learner_states WHERE user_id = 'sandbox-student-2' AND resource_link_id = 'demo-link-fractions'`)).rows[0].state as LearnerState;
    expect(markedByTeacher(row.skills['comparing-fractions'])).to.equal(true);
    const ob = (await srv.db.pool.query(`SELECT score FROM grade_outbox WHERE user_id = 'sandbox-student-2' AND resource_link_id = 'demo-link-fractions' AND column_key = ''`)).rows[0].score as { comment: string };
    expect(ob.comment).to.match(/Comparing fractions 8\d% \(mastered\)/);
    const attemptsAfter = Number((await srv.db.pool.query(`SELECT count(*) AS n FROM attempts WHERE user_id = 'sandbox-student-2'`)).rows[0].n);
    expect(attemptsAfter).to.equal(3);
  });
});
