import { expect } from 'chai';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Item, Pack } from '../../src/content/content.schema.js';
import { correctResponse, distractorResponses } from '../../src/content/grading.js';
import { createRng } from '../../src/engine/rng.js';
import { startTestServer } from '../helpers/server.js';
import { launch } from '../helpers/launch.js';
import { Student, concrete } from '../helpers/practice.js';

describe('the adaptive loop with the engine v2', function () {
  this.timeout(120_000);
  let srv: RunningServer;
  let pack: Pack;
  before(async () => {
    srv = await startTestServer();
    pack = await loadDemoPack();
  });
  after(async () => {
    await srv?.close();
  });

  it('a student who answers 60% right first time is not stuck on one skill after 30 questions: remediation happens, progress is visible', async () => {
    const l = await launch(srv, { user: 'sandbox-student-2' });
    const s = new Student(srv, l.browser, l.ltik);
    s.html = l.html;
    const rng = createRng(60);
    let questions = 0;
    for (let guard = 0; questions < 30 && guard < 200; guard++) {
      if (s.html.includes('data-testid="next"')) await s.post('/practice/next', {});
      else if (s.html.includes('data-testid="continue"')) await s.post('/practice/studied', { item_id: s.itemId!, seed: String(s.seed) });
      else {
        const item = concrete(pack, s.itemId!, s.seed);
        const right = rng() < 0.6;
        const response = right ? correctResponse(item) : distractorResponses(item)[0] ?? '__definitely wrong__';
        const fields = item.type === 'ordering'
          ? Object.fromEntries((response as readonly string[]).map((id, i) => [`order_${id}`, String(i + 1)]))
          : { response: typeof response === 'string' ? response : [...(response as readonly string[])] };
        const before = s.submissionId;
        await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...fields });
        if (s.submissionId !== before || s.html.includes('data-testid="next"')) questions++;
        // Second try after a wrong first one: answer it the same way (counts only once for the model).
        if (!s.html.includes('data-testid="next"') && s.html.includes('name="submission_id"') && s.itemId === item.id) {
          await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...fields });
        }
      }
      expect(s.status).to.be.lessThan(400);
    }
    const { rows } = await srv.db.pool.query<{ skills: string[]; kind: string; remediates: string | null; counted: boolean }>(
      `SELECT skills, kind, remediates, counted FROM attempts WHERE user_id = 'sandbox-student-2' ORDER BY id`,
    );
    const counted = rows.filter((r) => r.counted);
    expect(counted.length).to.be.at.least(25);
    const skills = new Set(counted.flatMap((r) => r.skills));
    expect(skills.size, 'skills practised').to.be.at.least(2);
    const remediations = rows.filter((r) => r.kind === 'worked_example' || r.remediates !== null);
    expect(remediations.length, 'remediation steps').to.be.at.least(1);
    const { rows: st } = await srv.db.pool.query<{ state: { skills: Record<string, { answers: number; pKnown: number; parkedAt: number | null; mastered: boolean }> } }>(
      `SELECT state FROM learner_states WHERE user_id = 'sandbox-student-2'`,
    );
    const practised = Object.values(st[0]!.state.skills).filter((k) => k.answers > 0);
    // Progress is visible: the panel shows practised skills with a mastery above zero (not-started skills show 0).
    expect(practised.length).to.be.at.least(2);
    expect(s.html).to.match(/practis|mastered/i);
  });

  it('rebuilds a learner state stored by the old engine from the attempt log instead of failing', async () => {
    const l = await launch(srv, { user: 'sandbox-student-4' });
    const s = new Student(srv, l.browser, l.ltik);
    s.html = l.html;
    const item = concrete(pack, s.itemId!, s.seed);
    const r = correctResponse(item);
    const fields = item.type === 'ordering'
      ? Object.fromEntries((r as readonly string[]).map((id, i) => [`order_${id}`, String(i + 1)]))
      : { response: typeof r === 'string' ? r : [...(r as readonly string[])] };
    await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...fields });
    // Overwrite the row with a version-1 state, as the old engine stored it.
    await srv.db.pool.query(
      `UPDATE learner_states SET state = $1 WHERE user_id = 'sandbox-student-4'`,
      [JSON.stringify({ version: 1, steps: 1, recent: [], lastSkill: null, skills: { x: { pKnown: 0.9, answers: 1, review: { due: 0 } } } })],
    );
    const l2 = await launch(srv, { user: 'sandbox-student-4' });
    expect(l2.landing.status).to.be.lessThan(400);
    const s2 = new Student(srv, l2.browser, l2.ltik);
    s2.html = l2.html;
    await s2.post('/practice/next', {});
    expect(s2.status).to.be.lessThan(400);
  });
});
