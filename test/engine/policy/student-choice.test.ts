import { expect } from 'chai';
import { studentChoice } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { answers, at, view } from './helpers.js';

describe('policy rule: student_choice', () => {
  const st = answers('1'.repeat(15), 'count');
  it('practises the chosen open skill when the assignment allows it', () => {
    const s = studentChoice(view(st, at(20), { allowStudentChoice: true }, { skill: 'sub' }), createRng(1));
    expect(s?.skill).to.equal('sub');
    expect(s?.reason.code).to.equal('student_choice');
  });
  it('passes when choice is off, nothing was chosen, or the skill is locked', () => {
    expect(studentChoice(view(st, at(20), {}, { skill: 'sub' }), createRng(1))).to.equal(null);
    expect(studentChoice(view(st, at(20), { allowStudentChoice: true }), createRng(1))).to.equal(null);
    expect(studentChoice(view(st, at(20), { allowStudentChoice: true }, { skill: 'mul' }), createRng(1))).to.equal(null);
  });
});
