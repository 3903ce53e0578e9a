// "About N more questions" and the session-aware item choice (src/engine/estimate.ts, src/engine/select.ts), pure.
import { expect } from 'chai';
import { applyAttempt, createRng, createState, nextStep, resolveConfig, type Bank, type LearnerState } from '../../src/engine/index.js';
import { ESTIMATE_HORIZON, answersToMastery, successRate, suggestedSkills } from '../../src/engine/estimate.js';

const cfg = resolveConfig({ masteryThreshold: 0.85 });
const MIN = 60_000;

function answered(pattern: boolean[], skill = 'a'): LearnerState {
  let st = createState();
  pattern.forEach((correct, i) => { st = applyAttempt(st, { itemId: `${skill}${i}`, skills: [skill], correct, hintsUsed: 0, at: i * MIN }, cfg); });
  return st;
}

describe('estimate: answers until mastery at the student\'s rate', () => {
  it('is what the engine then does: answering right that many times masters the skill, one fewer does not', () => {
    const st = answered([true, true]);
    const e = answersToMastery(st, 'a', cfg, 2 * MIN, { rate: 1 });
    expect(e.answers).to.be.a('number').and.to.be.greaterThan(0);
    let s = st;
    for (let i = 0; i < e.answers!; i++) {
      expect(s.skills.a!.mastered, `mastered after ${i}`).to.equal(false);
      s = applyAttempt(s, { itemId: `x${i}`, skills: ['a'], correct: true, hintsUsed: 0, at: 2 * MIN }, cfg);
    }
    expect(s.skills.a!.mastered).to.equal(true);
  });

  it('grows as the success rate falls, says "not at this rate" beyond its horizon, and 0 once mastered', () => {
    const st = createState();
    const at = (rate: number) => answersToMastery(st, 'a', cfg, 0, { rate }).answers;
    expect(at(1)).to.be.at.most(at(0.95) ?? Infinity);
    expect(at(1)).to.be.lessThan(at(0.9) ?? Infinity);
    expect(answersToMastery(st, 'a', cfg, 0, { rate: 1, horizon: 3 }).answers).to.equal(null);
    expect(at(0.3)).to.equal(null);
    // "At least": the all-right estimate, never more than at a lower rate.
    const low = answersToMastery(st, 'a', cfg, 0, { rate: 0.3 });
    expect(low.atLeast).to.equal(at(1));
    const mastered = answered(Array(15).fill(true));
    expect(mastered.skills.a!.mastered).to.equal(true);
    expect(answersToMastery(mastered, 'a', cfg, 15 * MIN).answers).to.equal(0);
    expect(ESTIMATE_HORIZON).to.be.greaterThan(10);
  });

  it('leaves the state it reads unchanged', () => {
    const st = answered([true, false, true]);
    const copy = JSON.parse(JSON.stringify(st));
    answersToMastery(st, 'a', cfg, 3 * MIN);
    expect(st).to.deep.equal(copy);
  });

  it('takes the student\'s own rate on the skill, shrunk towards the model\'s prediction', () => {
    const good = successRate(answered([true, true, true, true]), 'a', cfg, 4 * MIN);
    const poor = successRate(answered([false, false, true, false]), 'a', cfg, 4 * MIN);
    expect(good).to.be.greaterThan(0.8);
    expect(poor).to.be.lessThan(0.5).and.greaterThan(0.25);
  });
});

describe('select: variety in a session and a similar question after a worked example', () => {
  const bank: Bank = {
    skills: [{ id: 'a', prerequisites: [] }, { id: 'b', prerequisites: ['a'] }],
    items: [
      ...Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, skills: ['a'], difficulty: i * 0.1 })),
      ...Array.from({ length: 3 }, (_, i) => ({ id: `b${i}`, skills: ['b'] })),
    ],
  };
  const c = resolveConfig({ masteryThreshold: 0.99, skills: ['a', 'b'] });

  it('skips the items seen in the session while unseen ones of the skill remain, then falls back', () => {
    const st = createState();
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const step = nextStep(st, bank, c, createRng(i), 0, { avoid: seen });
      expect(seen.has(step.itemId!), `step ${i}`).to.equal(false);
      seen.add(step.itemId!);
    }
    expect(seen.size).to.equal(6);
    // Every item of the skill seen: an item is still chosen.
    expect(nextStep(st, bank, c, createRng(9), 0, { avoid: seen }).itemId).to.match(/^a/);
  });

  it('follows a worked example with the same template (new numbers) or the closest unseen item of its skill', () => {
    const st = applyAttempt(createState(), { itemId: 'a2', skills: ['a'], correct: false, hintsUsed: 0, at: 0, kind: 'worked_example' }, c);
    const same = nextStep(st, bank, c, createRng(1), 0, { followUp: { skill: 'a', itemId: 'a2', sameItem: true } });
    expect(same).to.include({ kind: 'question', itemId: 'a2', skill: 'a' });
    expect(same.reason.code).to.equal('similar_question');
    const other = nextStep(st, bank, c, createRng(1), 0, { followUp: { skill: 'a', itemId: 'a2' } });
    expect(other.itemId).to.be.oneOf(['a1', 'a3']);
    expect(other.reason.code).to.equal('similar_question');
    // A locked skill gets no follow-up: the policy decides.
    const locked = nextStep(st, bank, c, createRng(1), 0, { followUp: { skill: 'b', itemId: 'b0' } });
    expect(locked.reason.code).not.to.equal('similar_question');
  });

  it('suggests the policy\'s next skill with its reason, and a due review', () => {
    const fresh = suggestedSkills(createState(), bank, c, 0);
    expect(fresh[0]).to.include({ skill: 'a', code: 'new_skill' });
    let st = createState();
    for (let i = 0; i < 12; i++) st = applyAttempt(st, { itemId: `a${i % 6}`, skills: ['a'], correct: true, hintsUsed: 0, at: i * MIN }, resolveConfig({ skills: ['a', 'b'] }));
    const lenient = resolveConfig({ skills: ['a', 'b'] });
    expect(st.skills.a!.mastered).to.equal(true);
    const due = st.skills.a!.dueAt!;
    const later = suggestedSkills(st, bank, lenient, due + MIN);
    expect(later.map((x) => x.code)).to.include('review_due');
  });
});
