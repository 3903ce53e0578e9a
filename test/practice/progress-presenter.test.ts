// What the student reads about each skill (src/practice/practice.presenter.ts): the estimate, why a review is
// due, the goal and the points, in English and Spanish.
import { expect } from 'chai';
import { translator } from '../../src/i18n/index.js';
import { presentProgress, presentSession } from '../../src/practice/practice.presenter.js';
import type { Progress, SkillProgress } from '../../src/practice/progress.js';
import { afterAnswer, newSession, withGoal, goalStatus } from '../../src/practice/session.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const skill = (o: Partial<SkillProgress>): SkillProgress => ({ id: 's', name: 'Unit fractions', mastery: 0.5, status: 'practising', prerequisites: [], open: true, masteredAt: null, ...o });
const progress = (skills: SkillProgress[]): Progress => ({ skills, mastered: 0, total: skills.length, done: false });

describe('student progress lines (presenter)', () => {
  it('says how many more questions, or to keep going, and explains a due review with its age', () => {
    const t = translator('en');
    const p = presentProgress(progress([
      skill({ id: 'a', toGo: 4 }),
      skill({ id: 'b', toGo: 1 }),
      skill({ id: 'c', toGo: null }),
      skill({ id: 'c2', toGo: null, atLeast: 9 }),
      skill({ id: 'd', status: 'review_due', masteredAt: NOW - 9 * DAY - 5, toGo: 0 }),
      skill({ id: 'e', status: 'mastered', masteredAt: NOW - DAY, toGo: 0 }),
      skill({ id: 'f', open: false }),
    ]), t, undefined, NOW);
    expect(p.skills.map((s) => s.estimate)).to.deep.equal([
      'About 4 more questions to master it.',
      'About 1 more question to master it.',
      'Keep going: every right answer moves this up, and hints and worked examples help.',
      'At least 9 more right answers to master it: every right answer brings it closer, and hints and worked examples help.',
      'You mastered this 9 days ago; a quick check keeps it.',
      '',
      '',
    ]);
    const es = presentProgress(progress([skill({ id: 'd', status: 'review_due', masteredAt: NOW - 2 * DAY, toGo: 0 }), skill({ id: 'a', toGo: 3 })]), translator('es'), undefined, NOW);
    expect(es.skills.map((s) => s.estimate)).to.deep.equal(['Dominaste esto hace 2 días; un repaso rápido hace que no se olvide.', 'Unas 3 preguntas más para dominarla.']);
  });

  it('shows the goal as it goes and when it is met, and the points', () => {
    const names = (id: string) => (id === 's' ? 'Unit fractions' : id);
    let s = withGoal(newSession(NOW), { kind: 'questions', count: 2 }, NOW, new Set());
    s = afterAnswer(s, { itemId: 'i', skill: 's', tryNumber: 1, correct: true, skipped: false, at: NOW + 1, masteredNow: [] }, new Set());
    const en = presentSession(s, goalStatus(s, NOW + 1, new Set()), translator('en'), names);
    expect(en.goal).to.include({ text: 'Your goal: answer 2 questions — 1 of 2 so far.', met: false, percent: 50 });
    expect(en.pointsText).to.equal('3 points this session (3 in all)');
    s = afterAnswer(s, { itemId: 'j', skill: 's', tryNumber: 1, correct: false, skipped: false, at: NOW + 2, masteredNow: [] }, new Set());
    const met = presentSession(s, goalStatus(s, NOW + 2, new Set()), translator('es'), names);
    expect(met.goal).to.include({ text: 'Meta cumplida: responder 2 preguntas. ¡Muy bien!', met: true });
    const skillGoal = withGoal(newSession(NOW), { kind: 'skill', skill: 's' }, NOW, new Set());
    expect(presentSession(skillGoal, goalStatus(skillGoal, NOW, new Set()), translator('en'), names).goal?.text).to.equal('Your goal: master Unit fractions.');
  });
});
