import { expect } from 'chai';
import { createRng } from '../../src/engine/rng.js';
import { type Bank, nextStep, prepareBank } from '../../src/engine/select.js';
import { type Attempt, type LearnerState, applyAttempt, createState } from '../../src/engine/state.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6, 9);

function buildBank(): Bank {
  const items = [];
  for (const skill of ['count', 'add', 'sub', 'mul']) {
    for (let i = 0; i < 6; i++) items.push({ id: `${skill}-${i}`, skills: [skill], difficulty: (i - 2.5) * 0.6 });
  }
  return {
    items,
    skills: [
      { id: 'mul', prerequisites: ['add'] },
      { id: 'add', prerequisites: ['count'] },
      { id: 'sub', prerequisites: ['count'] },
      { id: 'count', prerequisites: [] },
    ],
  };
}

const config = {};
const at = (i: number) => T0 + i * 60_000;
const ans = (skill: string, correct: boolean, i: number, extra: Partial<Attempt> = {}): Attempt => ({
  itemId: `${skill}-${i % 6}`, skills: [skill], correct, hintsUsed: 0, at: at(i), ...extra,
});

function masterSkill(s: LearnerState, skill: string, from = 0): LearnerState {
  let i = from;
  while (!s.skills[skill]?.mastered) {
    if (i - from > 40) throw new Error(`${skill} not mastered after 40 right answers`);
    s = applyAttempt(s, ans(skill, true, i++), config);
  }
  return s;
}

describe('engine/select', () => {
  const bank = buildBank();

  it('orders skills by prerequisites and rejects cycles', () => {
    expect(prepareBank(bank).skills.map((s) => s.id)).to.deep.equal(['count', 'add', 'sub', 'mul']);
    expect(() => prepareBank({ items: [], skills: [{ id: 'a', prerequisites: ['b'] }, { id: 'b', prerequisites: ['a'] }] })).to.throw(/cycle/);
  });

  it('starts with the only skill whose prerequisites are met', () => {
    const s = nextStep(createState(), bank, config, createRng(1), T0);
    expect(s.kind).to.equal('question');
    expect(s.skill).to.equal('count');
    expect(s.reason.code).to.equal('new_skill');
    expect(s.itemId).to.match(/^count-/);
  });

  it('opens a skill once its prerequisites are mastered, and says so', () => {
    const st = masterSkill(createState(), 'count');
    const s = nextStep(st, bank, config, createRng(1), at(50));
    expect(s.skill).to.be.oneOf(['add', 'sub']);
    expect(s.reason.code).to.equal('new_skill_prereqs_mastered');
    expect(s.reason.related).to.deep.equal(['count']);
    // mul still locked: its prerequisite add is not mastered
    for (let seed = 0; seed < 20; seed++) expect(nextStep(st, bank, config, createRng(seed), at(50)).skill).to.not.equal('mul');
  });

  it('honours an explicit unlock of a skill whose prerequisites are not mastered', () => {
    const s = nextStep(createState(), bank, { ...config, unlockedSkills: ['mul'], maxOpenSkills: 5 }, createRng(1), T0);
    const st = applyAttempt(createState(), ans('count', true, 0), config);
    const s2 = nextStep(st, bank, { ...config, unlockedSkills: ['mul'] }, createRng(1), T0);
    expect([s.skill, s2.skill]).to.include('mul');
  });

  it('picks the item whose predicted success is closest to the target', () => {
    for (const target of [0.3, 0.75]) {
      const s = nextStep(createState(), bank, { ...config, targetSuccess: target }, createRng(1), T0);
      const v = prepareBank(bank);
      const preds = v.itemsBySkill.get('count')!.map((it) => {
        const e = nextStep(createState(), { items: [it], skills: bank.skills }, config, createRng(1), T0);
        return { id: it.id, p: e.predictedSuccess! };
      });
      const best = preds.reduce((a, b) => (Math.abs(a.p - target) <= Math.abs(b.p - target) ? a : b));
      expect(s.itemId).to.equal(best.id);
    }
    const easy = nextStep(createState(), bank, { ...config, targetSuccess: 0.95 }, createRng(1), T0);
    const hard = nextStep(createState(), bank, { ...config, targetSuccess: 0.05 }, createRng(1), T0);
    expect(easy.itemId).to.equal('count-0');
    expect(hard.itemId).to.equal('count-5');
  });

  it('does not repeat an item seen in the last N steps', () => {
    let st = createState();
    const seen: string[] = [];
    const rng = createRng(3);
    for (let i = 0; i < 5; i++) {
      const s = nextStep(st, bank, { ...config, noRepeatWindow: 5 }, rng, at(i));
      expect(seen.slice(-5)).to.not.include(s.itemId);
      seen.push(s.itemId!);
      st = applyAttempt(st, { itemId: s.itemId!, skills: ['count'], correct: false, hintsUsed: 0, at: at(i) }, { ...config, noRepeatWindow: 5, remediationErrors: 99 });
    }
    expect(new Set(seen).size).to.equal(5);
  });

  it('interleaves the open skills', () => {
    let st = masterSkill(createState(), 'count');
    const rng = createRng(5);
    const skills: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = nextStep(st, bank, config, rng, at(100 + i));
      skills.push(s.skill!);
      st = applyAttempt(st, { itemId: s.itemId!, skills: [s.skill!], correct: i % 2 === 0, hintsUsed: 0, at: at(100 + i) }, config);
    }
    for (let i = 1; i < skills.length; i++) expect(skills[i]).to.not.equal(skills[i - 1]);
    expect(skills).to.include('add').and.include('sub');
  });

  it('steps back to a prerequisite that is not solid after repeated errors, then offers a worked example', () => {
    let st = masterSkill(createState(), 'count');
    for (let i = 0; i < 3; i++) st = applyAttempt(st, ans('add', false, 60 + i), config);
    // Right after mastering count, count is solid: the help is a worked example of add itself.
    expect(nextStep(st, bank, config, createRng(1), at(70)).reason.code).to.equal('worked_example');
    // A month later count has faded below the threshold: step back to it first.
    const later = at(70) + 30 * DAY;
    const back = nextStep(st, bank, { ...config, reviews: false }, createRng(1), later);
    expect(back.reason.code).to.equal('remediation_prerequisite');
    expect(back.skill).to.equal('count');
    expect(back.remediates).to.equal('add');
    expect(back.reason.related).to.deep.equal(['add']);
    st = applyAttempt(st, { itemId: back.itemId!, skills: ['count'], correct: true, hintsUsed: 0, at: later + 60_000, remediates: 'add' }, config);
    expect(nextStep(st, bank, { ...config, reviews: false }, createRng(1), later + 120_000).reason.code).to.not.match(/remediation|worked/);
    for (let i = 0; i < 3; i++) st = applyAttempt(st, { ...ans('add', false, 80 + i), at: later + (3 + i) * 60_000 }, config);
    const worked = nextStep(st, bank, { ...config, reviews: false }, createRng(1), later + 600_000);

    expect(worked.kind).to.equal('worked_example');
    expect(worked.reason.code).to.equal('worked_example');
    expect(worked.itemId).to.equal('add-0');
  });

  it('offers a worked example at once for a skill without prerequisites', () => {
    let st = createState();
    for (let i = 0; i < 3; i++) st = applyAttempt(st, ans('count', false, i), config);
    expect(nextStep(st, bank, config, createRng(1), at(5)).kind).to.equal('worked_example');
  });

  it('stops when every skill is mastered', () => {
    let st = createState();
    for (const skill of ['count', 'add', 'sub', 'mul']) st = masterSkill(st, skill);
    const s = nextStep(st, bank, config, createRng(1), at(200));
    expect(s.kind).to.equal('done');
    expect(s.reason.code).to.equal('all_mastered');
    expect(s.itemId).to.equal(null);
  });

  it('serves a due review of a mastered skill before new practice', () => {
    let st = masterSkill(createState(), 'count');
    const due = st.skills.count!.dueAt!;
    expect(due).to.be.above(at(40) + DAY / 2);
    expect(nextStep(st, bank, config, createRng(1), due - 1).reason.code).to.not.equal('review_due');
    const s = nextStep(st, bank, config, createRng(1), due + DAY);
    expect(s.reason.code).to.equal('review_due');
    expect(s.skill).to.equal('count');
    st = applyAttempt(st, { itemId: s.itemId!, skills: ['count'], correct: false, hintsUsed: 0, at: due + DAY }, config);
    st = applyAttempt(st, { itemId: 'count-1', skills: ['count'], correct: false, hintsUsed: 0, at: due + DAY + 500 }, config);
    expect(st.skills.count!.mastered).to.equal(false);
    const after = nextStep(st, bank, config, createRng(1), due + DAY + 1000);
    expect(after.skill).to.equal('count');
  });

  it('honours a student choice only when allowed and the skill is open', () => {
    const st = masterSkill(createState(), 'count');
    const chosen = nextStep(st, bank, { ...config, allowStudentChoice: true }, createRng(1), at(50), { skill: 'sub' });
    expect(chosen.skill).to.equal('sub');
    expect(chosen.reason.code).to.equal('student_choice');
    const refused = nextStep(st, bank, config, createRng(1), at(50), { skill: 'sub' });
    expect(refused.reason.code).to.not.equal('student_choice');
    const locked = nextStep(st, bank, { ...config, allowStudentChoice: true }, createRng(1), at(50), { skill: 'mul' });
    expect(locked.skill).to.not.equal('mul');
  });

  it('limits practice to the assignment skills; prerequisites outside it do not gate', () => {
    const s = nextStep(createState(), bank, { ...config, skills: ['add'] }, createRng(1), T0);
    expect(s.skill).to.equal('add');
    const done = nextStep(masterSkill(createState(), 'add'), bank, { ...config, skills: ['add'] }, createRng(1), T0);
    expect(done.reason.code).to.equal('all_mastered');
  });

  it('is deterministic for a seed and breaks ties with the rng', () => {
    const flat: Bank = { items: Array.from({ length: 10 }, (_, i) => ({ id: `x${i}`, skills: ['x'] })), skills: [{ id: 'x', prerequisites: [] }] };
    const a = Array.from({ length: 8 }, (_, s) => nextStep(createState(), flat, {}, createRng(s), T0).itemId);
    const b = Array.from({ length: 8 }, (_, s) => nextStep(createState(), flat, {}, createRng(s), T0).itemId);
    expect(a).to.deep.equal(b);
    expect(new Set(a).size).to.be.above(1);
  });

  it('skips items that tag a locked skill', () => {
    const b: Bank = { items: [{ id: 'both', skills: ['count', 'mul'] }, { id: 'c1', skills: ['count'] }], skills: bank.skills };
    expect(nextStep(createState(), b, config, createRng(1), T0).itemId).to.equal('c1');
  });
});
