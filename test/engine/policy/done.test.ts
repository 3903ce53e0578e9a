import { expect } from 'chai';
import { done } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { createState } from '../../../src/engine/state.js';
import { answers, at, view } from './helpers.js';

describe('policy rule: done', () => {
  it('says all mastered only when every skill in scope is', () => {
    const st = answers('1'.repeat(15), 'count');
    expect(done(view(st, at(20), { skills: ['count'] }), createRng(1))!.reason.code).to.equal('all_mastered');
    expect(done(view(createState(), at(0)), createRng(1))!.reason.code).to.equal('no_items');
  });
});
