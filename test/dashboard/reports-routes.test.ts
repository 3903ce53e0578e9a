import { expect } from 'chai';
import request from 'supertest';
import { staffWorld, type StaffWorld } from './staff-fixture.js';

/** The weekly table's rows: week -> [mastered, mastered so far, answers, active, right first try]. */
function weeksOf(html: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of html.matchAll(/<tr data-week="([^"]+)"><th scope="row">[^<]*<\/th>((?:<td>[^<]*<\/td>)+)<\/tr>/g)) {
    out[m[1]] = [...m[2].matchAll(/<td>([^<]*)<\/td>/g)].map((x) => x[1]);
  }
  return out;
}

describe('reports page (/dashboard/reports)', function () {
  let w: StaffWorld;
  const post = async (path: string, token: string) => request(w.app).post(path).type('form').send({ ltik: token });
  const day = (iso: string) => new Date(`${iso}T10:00:00Z`);

  before(async () => {
    w = await staffWorld();
    const items = ['unit-how-many-2', 'unit-how-many-5', 'unit-how-many-7', 'unit-how-many-12', 'unit-slice-3', 'unit-slice-4', 'unit-slice-5', 'unit-slice-6'];
    // Week of Monday 5 October: s1 answers 8 right (masters unit fractions), s2 two answers, one right first try.
    await w.answers('t1', 'link-a', [
      ...items.map((item, i) => ({ user: 's1', item, correct: true, at: new Date(day('2026-10-06').getTime() + i * 60_000) })),
      { user: 's2', item: 'unit-how-many-2', correct: false, at: day('2026-10-07') },
      { user: 's2', item: 'unit-how-many-2', correct: true, tryNumber: 2, at: day('2026-10-07') },
      // Week of 19 October (the 12th has nothing): s2 once more.
      { user: 's2', item: 'unit-how-many-5', correct: true, at: day('2026-10-21') },
    ]);
    // s1 mastered unit fractions on Tuesday 6 October (as the engine records it in the learner state).
    await w.db.pool.query(
      `UPDATE learner_states SET state = jsonb_set(jsonb_set(state, '{skills,unit-fractions,mastered}', 'true'), '{skills,unit-fractions,masteredAt}', to_jsonb($1::bigint))
       WHERE tenant_id = 't1' AND resource_link_id = 'link-a' AND user_id = 's1'`,
      [day('2026-10-06').getTime()],
    );
    await w.answers('t1', 'link-b', [{ user: 'b1', item: 'unit-how-many-2', correct: true, at: day('2026-10-13') }]);
    await w.answers('t2', 'link-a', [{ user: 's1', item: 'unit-how-many-2', correct: true, at: day('2026-10-13') }]);
  });
  after(async () => {
    await w?.close();
  });

  it('as the teacher: weekly answers, active students and masteries as SVG charts and a table (gaps filled)', async () => {
    const res = await post('/dashboard/reports', await w.token('teacher'));
    expect(res.status).to.equal(200);
    const weeks = weeksOf(res.text);
    expect(weeks['2026-10-05']).to.deep.equal(['1', '1', '10', '2', '89%']); // 9 first tries, 8 right
    expect(weeks['2026-10-12']).to.deep.equal(['0', '1', '0', '0', '–']);
    expect(weeks['2026-10-19']).to.deep.equal(['0', '1', '1', '1', '100%']);
    expect(weeks['2026-09-28'], 'no week before the first answer').to.equal(undefined);
    for (const id of ['chart-mastered', 'chart-answers', 'chart-active']) expect(res.text).to.contain(`data-testid="chart-${id}"`);
    expect(res.text).to.match(/<svg [^>]*role="img" aria-labelledby="chart-answers-title chart-answers-desc"/);
    expect(res.text).to.contain('Week of Oct 5: 10 answers');
    expect(res.text).to.match(/data-testid="nav-reports" aria-current="page"/);
    expect(res.text).not.to.match(/(href|action)="[^"]*ltik/);
  });

  it('CSV: one row per week with translated column names', async () => {
    const res = await post('/dashboard/reports/export.csv', await w.token('ta'));
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/csv/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).to.equal('"week_start","skills_mastered","skills_mastered_total","answers","active_students","first_try_right_percent"');
    expect(lines).to.include('"2026-10-19","0","1","1","1","100"');
    const es = await post('/dashboard/reports/export.csv', await w.token('teacher', { locale: 'es' }));
    expect(es.text.split('\r\n')[0]).to.contain('"inicio_semana"');
  });

  it('as a TA by GET with the Authorization header, in Spanish; refused for a student', async () => {
    const ta = await request(w.app).get('/dashboard/reports').set('Authorization', `Bearer ${await w.token('ta', { locale: 'es' })}`);
    expect(ta.status).to.equal(200);
    expect(ta.text).to.contain('Respuestas por semana');
    const student = await w.token('student');
    expect((await post('/dashboard/reports', student)).status).to.equal(403);
    expect((await post('/dashboard/reports/export.csv', student)).status).to.equal(403);
  });

  it('a teacher of another course or tenant sees only their own course', async () => {
    for (const role of ['other-course', 'other-tenant'] as const) {
      const res = await post('/dashboard/reports', await w.token(role));
      expect(res.status).to.equal(200);
      const weeks = weeksOf(res.text);
      expect(Object.keys(weeks).pop(), `${role}: the oldest week`).to.equal('2026-10-12');
      expect(weeks['2026-10-12'].slice(2, 4), role).to.deep.equal(['1', '1']);
      expect(weeks['2026-10-05'], role).to.equal(undefined);
    }
  });
});
