import { expect } from 'chai';
import { EASIER_TARGET, remediation } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { applyAttempt } from '../../../src/engine/state.js';
import { DAY, ans, answers, at, bank, view } from './helpers.js';

describe('policy rule: remediation', () => {
  it('passes while the student makes progress', () => {
    expect(remediation(view(answers('1011', 'count'), at(10)), createRng(1))).to.equal(null);
  });
  it('wheel-spinning on a skill without weak prerequisites: a worked example first, then easier items', () => {
    let st = answers('000', 'count');
    const w = remediation(view(st, at(10)), createRng(1))!;
    expect(w.kind).to.equal('worked_example');
    expect(w.remediates).to.equal('count');
    expect(w.itemId).to.equal('count-3'); // the easiest item not just seen (count-0..2 were)
    st = applyAttempt(st, { ...ans('count', false, 11), kind: 'worked_example' });
    st = answers('000', 'count', st, 12);
    st = applyAttempt(st, ans('count', false, 15, { remediates: 'count' }));
    const e = remediation(view(st, at(20)), createRng(1))!;
    expect(e.reason.code).to.equal('easier_item');
    // The item closest to EASIER_TARGET: here (7 wrong answers) the easiest one not seen in the last steps.
    const v = view(st, at(20));
    const unseen = bank.items.filter((it) => it.skills[0] === 'count' && !st.recent.includes(it.id));
    for (const it of unseen) expect(Math.abs(e.predictedSuccess! - EASIER_TARGET)).to.be.at.most(Math.abs(v.predict(it) - EASIER_TARGET) + 1e-12);
  });
  it('steps back to a prerequisite that has faded below the threshold', () => {
    let st = answers('1'.repeat(15), 'count');
    st = answers('000', 'add', st, 20);
    const s = remediation(view(st, at(30) + 40 * DAY, { reviews: false }), createRng(1))!;
    expect(s.reason.code).to.equal('remediation_prerequisite');
    expect(s.skill).to.equal('count');
    expect(s.remediates).to.equal('add');
  });
  it('counts many answers without progress as wheel-spinning too', () => {
    const st = answers('10'.repeat(5), 'count');
    expect(st.skills.count!.stall).to.be.at.least(5);
    expect(remediation(view(st, at(20)), createRng(1))).to.not.equal(null);
  });
});
