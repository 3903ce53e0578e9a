import { expect } from 'chai';
import request from 'supertest';
import { mapRoles } from '../../src/lti/roles.js';
import { staffWorld, type StaffWorld } from './staff-fixture.js';

/**
 * The student drill-down, its printable page and the skill view (issue 16 items 2, 3, 8): shown to a
 * teacher and a TA (by GET with the token in the Authorization header, and by the pages' POST forms),
 * refused for students (403), and "not found" for a teacher of another course or of another tenant, even
 * when the other tenant has a resource link and a student of the same ids.
 */
describe('instructor student drill-down and skill view', function () {
  this.timeout(60_000);
  let w: StaffWorld;
  const U = 'stu-1';

  before(async () => {
    w = await staffWorld();
    // stu-1: a mix on unit fractions (the same wrong answer twice) and equivalent fractions; stu-2: all right.
    await w.answers('t1', 'link-a', [
      { user: U, item: 'unit-how-many-2', correct: false },
      { user: U, item: 'unit-how-many-2', correct: true, tryNumber: 2 },
      { user: U, item: 'unit-how-many-5', correct: false },
      { user: U, item: 'unit-how-many-2', correct: false },
      { user: U, item: 'unit-how-many-5', correct: true },
      { user: U, item: 'equiv-odd-one-1-2', correct: true, choice: 'd' },
      { user: 'stu-2', item: 'unit-how-many-2', correct: true },
      { user: 'stu-2', item: 'unit-how-many-5', correct: true },
    ]);
    // The other tenant has the same link id and a learner of the same id.
    await w.answers('t2', 'link-a', [{ user: U, item: 'unit-how-many-2', correct: true }]);
  });
  after(async () => {
    await w?.close();
  });

  const viaGet = async (path: string, token: string) => request(w.app).get(path).set('Authorization', `Bearer ${token}`);
  const viaPost = async (path: string, token: string) => request(w.app).post(path).type('form').send({ ltik: token });

  it('tells the teacher why a student has no next step: practice paused on the skills named, the student needs help', async () => {
    const items = ['unit-slice-3', 'equiv-missing-num-1-2-3', 'simplify-6-8', 'compare-3-8-3-5'];
    await w.answers('t1', 'link-a', items.flatMap((item) => Array.from({ length: 16 }, () => ({ user: 'stu-stuck', item, correct: false }))));
    const html = (await viaGet('/dashboard/students/stu-stuck', await w.token('teacher'))).text;
    expect(html).to.contain('data-testid="plan-stopped"');
    expect(html).to.match(/data-testid="plan-stopped">No next step now: [^<]*Unit fractions[^<]*was practised a lot without mastery/);
    expect(html).not.to.contain('data-testid="plan-done"');
    // A student with a question on screen or everything mastered does not get the line.
    expect((await viaGet(`/dashboard/students/${U}`, await w.token('teacher'))).text).not.to.contain('data-testid="plan-stopped"');
  });

  for (const role of ['teacher', 'ta'] as const) {
    it(`shows a ${role} the student's skills, chart, every attempt, common mistakes and the plan`, async () => {
      // A TA's session holds the roles its launch maps to (Instructor#TeachingAssistant -> instructor).
      const token = role === 'ta' ? await w.token('ta', { roles: mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant']) }) : await w.token(role);
      for (const res of [await viaGet(`/dashboard/students/${U}`, token), await viaPost(`/dashboard/students/${U}`, token)]) {
        expect(res.status, res.text.slice(0, 300)).to.equal(200);
        const html = res.text;
        expect(html).to.contain('data-testid="student-name">Student stu-1<');
        expect(html).to.contain('data-testid="mastery-chart"');
        expect(html).to.match(/<svg[^>]+role="img"[^>]+aria-labelledby="chart-title chart-desc"/);
        // Every attempt (six rows, newest first), with right/wrong, try number, time taken.
        expect(html.match(/data-attempt="/g)).to.have.length(6);
        expect(html).to.contain('class="r-wrong"');
        expect(html).to.contain('try 2');
        expect(html).to.contain('5 s');
        // The same wrong answer to the same item counted twice.
        expect(html).to.match(/data-testid="frequent-wrong">[\s\S]*?2 times/);
        expect(html).to.match(/data-testid="mistakes-by-skill">[\s\S]*?Unit fractions: 3 of 5 answers wrong/);
        expect(html).to.contain('data-testid="plan"');
        expect(html).to.contain('data-testid="dashboard-nav"');
        expect(html).not.to.match(/(href|action|formaction)="[^"]*ltik=/);
        expect(res.headers['content-security-policy']).to.match(/script-src/);
      }
    });

    it(`shows a ${role} the printable page without the navigation`, async () => {
      const res = await viaPost(`/dashboard/students/${U}/print`, await w.token(role));
      expect(res.status).to.equal(200);
      expect(res.text).to.contain('data-testid="print-page"');
      expect(res.text).to.contain('Progress report: Student stu-1');
      expect(res.text).not.to.contain('data-testid="dashboard-nav"');
      expect(res.text).not.to.contain('class="topbar"');
      // The print button's script runs under the page's CSP nonce.
      const nonce = /'nonce-([^']+)'/.exec(res.headers['content-security-policy'] as string)![1];
      expect(res.text).to.contain(`<script nonce="${nonce}">`);
    });

    it(`shows a ${role} where the students are on a skill, its hardest items and typical wrong answers`, async () => {
      const res = await viaPost('/dashboard/skills/unit-fractions', await w.token(role));
      expect(res.status).to.equal(200);
      const html = res.text;
      expect(html).to.contain('Skill: Unit fractions');
      expect(html).to.match(/data-testid="place-[a-z_]+"[\s\S]*Student stu-1/);
      expect(html).to.contain('Student stu-2');
      expect(html).not.to.contain('Equivalent fractions</h1>');
      // unit-how-many-2: first tries stu-1 wrong twice, stu-2 right once -> 33%, hardest first.
      const table = html.slice(html.indexOf('data-testid="hardest-items"'));
      expect(table.indexOf('data-item="unit-how-many-2"')).to.be.greaterThan(-1);
      expect(table).to.match(/data-item="unit-how-many-2"[\s\S]*?<td>33%<\/td><td>3<\/td><td>2<\/td>/);
      expect(html).to.match(/data-testid="typical-wrong"[\s\S]*?2 times, by 1 student/);
    });
  }

  it('refuses students (403), for the drill-down, the print page, the skill view and the overrides', async () => {
    const token = await w.token('student', { userId: U });
    expect((await viaGet(`/dashboard/students/${U}`, token)).status).to.equal(403);
    expect((await viaPost(`/dashboard/students/${U}`, token)).status).to.equal(403);
    expect((await viaPost(`/dashboard/students/${U}/print`, token)).status).to.equal(403);
    expect((await viaPost('/dashboard/skills/unit-fractions', token)).status).to.equal(403);
    const ov = await request(w.app).post(`/dashboard/students/${U}/overrides`).type('form').send({ ltik: token, action: 'mastered', skill: 'unit-fractions', reason: 'me' });
    expect(ov.status).to.equal(403);
  });

  it('answers 404 to a teacher of another course (same tenant) and shows nothing of the student', async () => {
    const token = await w.token('other-course');
    for (const res of [await viaPost(`/dashboard/students/${U}`, token), await viaPost(`/dashboard/students/${U}/print`, token)]) {
      expect(res.status).to.equal(404);
      expect(res.text).not.to.contain('Student stu-1');
    }
    // The other course's skill view lists none of course A's students.
    const skill = await viaPost('/dashboard/skills/unit-fractions', token);
    expect(skill.status).to.equal(200);
    expect(skill.text).not.to.contain('Student stu-1');
  });

  it("shows a teacher of another tenant only their own tenant's learner of the same ids", async () => {
    const token = await w.token('other-tenant');
    const res = await viaPost(`/dashboard/students/${U}`, token);
    expect(res.status).to.equal(200);
    // Their learner answered once; tenant t1's six answers never show.
    expect(res.text.match(/data-attempt="/g)).to.have.length(1);
    expect((await viaPost('/dashboard/students/stu-2', token)).status).to.equal(404);
  });

  it('answers 404 for an unknown student or a skill outside the activity', async () => {
    const token = await w.token('teacher');
    expect((await viaPost('/dashboard/students/nobody', token)).status).to.equal(404);
    expect((await viaPost('/dashboard/skills/add-like-denominators', token)).status).to.equal(404);
    expect((await viaPost('/dashboard/skills/no-such-skill', token)).status).to.equal(404);
  });

  it('lists the newest 50 answers, and every answer on "show all" (the chart and mistakes use them all)', async () => {
    await w.answers('t1', 'link-a', Array.from({ length: 55 }, (_, k) => ({ user: 'stu-many', item: k % 2 ? 'unit-how-many-2' : 'unit-how-many-5', correct: k % 3 === 0 })));
    const token = await w.token('teacher');
    const first = await viaPost('/dashboard/students/stu-many', token);
    expect(first.text.match(/data-attempt="/g)).to.have.length(50);
    expect(first.text).to.contain('Every answer (55), newest first');
    expect(first.text).to.contain('action="/dashboard/students/stu-many?all=1"');
    expect(first.text).to.match(/Unit fractions: 36 of 55 answers wrong/);
    const all = await viaPost('/dashboard/students/stu-many?all=1', token);
    expect(all.text.match(/data-attempt="/g)).to.have.length(55);
    expect(all.text).not.to.contain('data-testid="show-all-attempts"');
    expect((await viaPost('/dashboard/students/stu-many?all=yes', token)).status).to.equal(400);
  });

  it('is translated: a Spanish session sees the page in Spanish', async () => {
    const res = await viaPost(`/dashboard/students/${U}`, await w.token('teacher', { locale: 'es' }));
    expect(res.status).to.equal(200);
    expect(res.text).to.contain('<html lang="es">');
    expect(res.text).to.contain('Errores frecuentes');
    expect(res.text).to.contain('Historial de cambios');
  });
});
