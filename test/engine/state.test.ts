import { expect } from 'chai';
import { DAY_MS } from '../../src/engine/learner.js';
import { type Attempt, type LearnerState, applyAttempt, createState, knownAt, replay, resolveConfig, upgradeState } from '../../src/engine/state.js';

const T0 = Date.UTC(2025, 0, 6, 9);
const at = (i: number) => T0 + i * 60_000;
const ans = (skill: string, correct: boolean, i: number, extra: Partial<Attempt> = {}): Attempt => ({
  itemId: `${skill}-${i % 6}`, skills: [skill], correct, hintsUsed: 0, at: at(i), ...extra,
});
const run = (pattern: string, cfg = {}): LearnerState => {
  let s = createState();
  [...pattern].forEach((c, i) => { s = applyAttempt(s, ans('a', c === '1', i), cfg); });
  return s;
};

describe('engine/state', () => {
  it('starts empty and serialises to JSON and back unchanged', () => {
    const s = run('1101');
    expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
    expect(createState()).to.deep.equal({ version: 2, steps: 0, recent: [], lastSkill: null, skills: {}, model: { th: 0, n: 0, s: 0, f: 0, rn: 0, rd: 0, prev: null } });
  });

  it('does not mutate its input', () => {
    const s = run('11');
    const copy = JSON.parse(JSON.stringify(s));
    applyAttempt(s, ans('a', false, 5));
    applyAttempt(s, ans('b', true, 6));
    expect(s).to.deep.equal(copy);
  });

  it('raises mastery with right answers and lowers it with wrong ones', () => {
    const r = run('111').skills.a!.pKnown;
    const w = run('000').skills.a!.pKnown;
    expect(r).to.be.above(run('1').skills.a!.pKnown);
    expect(w).to.be.below(run('0').skills.a!.pKnown);
    expect(r - w).to.be.above(0.3);
  });

  it('mastery needs evidence: the threshold AND the minimum of answers', () => {
    const s = run('1', { masteryThreshold: 0.5, minAnswers: 3 });
    expect(s.skills.a!.pKnown).to.be.above(0.5);
    expect(s.skills.a!.mastered).to.equal(false);
    expect(run('111', { masteryThreshold: 0.5, minAnswers: 3 }).skills.a!.mastered).to.equal(true);
    // At the default 0.85, a student who alternates right and wrong is never declared mastered.
    expect(run('10'.repeat(20)).skills.a!.mastered).to.equal(false);
    expect(run('1'.repeat(20)).skills.a!.mastered).to.equal(true);
  });

  it('judges mastery a day ahead: forgetting lowers it over days, and the review comes due', () => {
    const s = run('1'.repeat(15)).skills.a!;
    expect(s.mastered).to.equal(true);
    const cfg = resolveConfig({});
    expect(knownAt(s, s.lastAt!, cfg)).to.be.at.least(0.85);
    expect(knownAt(s, s.lastAt! + 30 * DAY_MS, cfg)).to.be.below(knownAt(s, s.lastAt! + DAY_MS, cfg));
    expect(s.dueAt).to.be.a('number');
    expect(s.dueAt!).to.be.above(s.lastAt!);
    expect(knownAt(s, s.dueAt! - 60_000, cfg, 0)).to.be.at.least(0.849);
  });

  it('lapses a mastered skill after failed reviews and brings it back into practice', () => {
    let s = run('1'.repeat(15));
    const t = s.skills.a!.dueAt! + DAY_MS;
    for (let i = 0; i < 3; i++) s = applyAttempt(s, { ...ans('a', false, 0), at: t + i * 1000 });
    expect(s.skills.a!.mastered).to.equal(false);
    expect(s.skills.a!.run).to.be.below(3);
  });

  it('counts wrong streaks; a right answer or a worked example resets them', () => {
    let s = run('000');
    expect(s.skills.a!.wrongStreak).to.equal(3);
    s = applyAttempt(s, { ...ans('a', false, 4), kind: 'worked_example' });
    expect(s.skills.a!.wrongStreak).to.equal(0);
    expect(s.skills.a!.remediations).to.equal(1);
    expect(s.skills.a!.answers).to.equal(3);
    s = applyAttempt(run('000'), ans('p', true, 9, { remediates: 'a' }));
    expect(s.skills.a!.wrongStreak).to.equal(0);
  });

  it('sets a skill aside after many answers without mastery (moving on)', () => {
    const s = run('10'.repeat(6), { moveOnAnswers: 12 });
    expect(s.skills.a!.parkedAt).to.equal(12);
  });

  it('weighs a hinted right answer less than an unaided one', () => {
    let h = createState();
    let u = createState();
    h = applyAttempt(h, ans('a', true, 0, { hintsUsed: 2 }));
    u = applyAttempt(u, ans('a', true, 0));
    expect(h.skills.a!.pKnown).to.be.below(u.skills.a!.pKnown);
  });

  it('keeps the last N item ids for the no-repeat rule', () => {
    const s = run('1111111', { noRepeatWindow: 3 });
    expect(s.recent).to.deep.equal(['a-4', 'a-5', 'a-0']);
  });

  it('replay of the log gives the same state as the incremental updates', () => {
    const log: Attempt[] = [ans('a', true, 0), ans('b', false, 1, { difficulty: 0.5 }), ans('a', false, 2, { skills: ['a', 'b'] }), { ...ans('b', false, 3), kind: 'worked_example' }, ans('a', true, 4, { score: 0.5 })];
    let s = createState();
    for (const a of log) s = applyAttempt(s, a);
    expect(replay(log)).to.deep.equal(s);
  });

  it('refuses a stored state of the old engine (the caller replays the log instead)', () => {
    expect(upgradeState({ version: 1, steps: 3, recent: [], lastSkill: null, skills: { a: { pKnown: 0.5 } } })).to.equal(null);
    expect(upgradeState(null)).to.equal(null);
    const s = run('1');
    expect(upgradeState(s)).to.equal(s);
  });

  it('fills in documented defaults', () => {
    const c = resolveConfig({});
    expect(c.masteryThreshold).to.equal(0.85);
    expect(c.minAnswers).to.equal(3);
    expect(c.horizonDays).to.equal(1);
    expect(c.targetSuccess).to.equal(0.75);
  });
});
