import { expect } from 'chai';
import type { RunningServer } from '../../src/server.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import type { Pack } from '../../src/content/content.schema.js';
import { distractorResponses } from '../../src/content/grading.js';
import { startTestServer } from '../helpers/server.js';
import { launch } from '../helpers/launch.js';
import { Student, answerFields, concrete } from '../helpers/practice.js';

// The page after the last step says why practice stopped: "you mastered every skill" only when that is true.
describe('practice: the page when nothing is left to practise', function () {
  this.timeout(180_000);
  let srv: RunningServer;
  let pack: Pack;
  before(async () => {
    srv = await startTestServer();
    pack = await loadDemoPack();
  });
  after(async () => { await srv?.close(); });

  it('ends a student who answers everything wrong with "practice is paused" (in English and Spanish), never "you mastered every skill"', async () => {
    for (const [user, paused, mastered, none, summaryNext, summaryMastered] of [
      ['sandbox-student-1', 'Practice is paused for now', 'You mastered every skill', '0 of 5 skills mastered', 'a lot for now', 'You have mastered every skill'],
      ['sandbox-student-2', 'La práctica está en pausa por ahora', 'Dominaste todas', '0 de 5', 'Has practicado mucho', 'Dominas todas las habilidades'],
    ] as const) {
      const l = await launch(srv, { user });
      const s = new Student(srv, l.browser, l.ltik);
      s.html = l.html;
      for (let i = 0; i < 300 && !s.html.includes('data-testid="done"'); i++) {
        if (s.html.includes('data-testid="next"')) await s.post('/practice/next', {});
        else if (s.html.includes('data-testid="continue"')) await s.post('/practice/studied', { item_id: s.itemId!, seed: String(s.seed) });
        else {
          const item = concrete(pack, s.itemId!, s.seed);
          await s.post('/practice/answer', { submission_id: s.submissionId!, item_id: s.itemId!, seed: String(s.seed), ...answerFields(item, distractorResponses(item)[0] ?? '__definitely wrong__') });
        }
        expect(s.status).to.be.lessThan(400);
      }
      expect(s.html, user).to.contain('data-testid="done"');
      expect(s.html).to.contain('data-reason="practice_paused"');
      expect(s.html).to.contain(paused);
      expect(s.html).not.to.contain(mastered);
      expect(s.html).to.contain(none);
      // The session summary's "what is next" says the same, not "you have mastered every skill".
      await s.post('/practice/summary', {});
      expect(s.status).to.equal(200);
      expect(s.html).to.contain(summaryNext);
      expect(s.html).not.to.contain(summaryMastered);
    }
  });
});
