import { expect } from 'chai';
import { aggregate, analyseItems, flagsOf, median, pointBiserial, sortAnalyses, type ItemAnalysis, type ItemObservation } from '../../src/dashboard/item-stats.js';

/** First tries from a grid: student -> item -> right (1) or wrong (0). */
function grid(g: Record<string, Record<string, 0 | 1>>, timeMs: number | null = null): ItemObservation[] {
  return Object.entries(g).flatMap(([userId, items]) => Object.entries(items).map(([itemId, x]) => ({ userId, itemId, correct: x === 1, timeMs })));
}

describe('item statistics (pure)', () => {
  // A: 3/3, B: 2/3, C: 1/3, D: 0/3.
  const four = grid({
    A: { i1: 1, i2: 1, i3: 1 },
    B: { i1: 1, i2: 1, i3: 0 },
    C: { i1: 0, i2: 1, i3: 0 },
    D: { i1: 0, i2: 0, i3: 0 },
  });

  it('median: odd, even, none', () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(median([])).to.equal(null);
  });

  it('point-biserial against the rest-score, hand-computed (1/sqrt 2 and 0.5222)', () => {
    const agg = aggregate(four);
    // i1: x = 1,1,0,0; rest-scores (others' rate) = 1, .5, .5, 0 -> cov .5 / sqrt(1 * .5) = 0.70711
    const i1 = agg.get('i1')!;
    expect(i1.moments).to.deep.equal({ n: 4, sx: 2, sr: 2, srr: 1.5, sxr: 1.5 });
    expect(pointBiserial(i1.moments)).to.be.closeTo(Math.SQRT1_2, 1e-9);
    // i3: x = 1,0,0,0; rest-scores 1, 1, .5, 0 -> .375 / sqrt(.75 * .6875) = 0.52223
    expect(pointBiserial(agg.get('i3')!.moments)).to.be.closeTo(0.375 / Math.sqrt(0.75 * 0.6875), 1e-9);
    expect(pointBiserial(agg.get('i3')!.moments)).to.be.closeTo(0.52223, 1e-5);
    expect(i1.attempts).to.equal(4);
    expect(i1.correct).to.equal(2);
    expect(i1.students).to.equal(4);
  });

  it('a perfectly reversed item has discrimination -1', () => {
    const agg = aggregate(grid({ P: { a: 1, b: 0 }, Q: { a: 1, b: 0 }, R: { a: 0, b: 1 }, S: { a: 0, b: 1 } }));
    expect(pointBiserial(agg.get('b')!.moments)).to.be.closeTo(-1, 1e-12);
    expect(pointBiserial(agg.get('a')!.moments)).to.be.closeTo(-1, 1e-12);
  });

  it('is undefined (null) when everyone is right, with fewer than 3 pairs, or for students with one answer', () => {
    const agg = aggregate(grid({ A: { x: 1, y: 1 }, B: { x: 1, y: 0 }, C: { x: 1, y: 1 } }));
    expect(pointBiserial(agg.get('x')!.moments)).to.equal(null);
    expect(pointBiserial({ n: 2, sx: 1, sr: 1, srr: 1, sxr: 1 })).to.equal(null);
    const single = aggregate(grid({ A: { x: 1 }, B: { x: 0 }, C: { x: 1 } }));
    expect(single.get('x')!.moments.n).to.equal(0);
    expect(pointBiserial(single.get('x')!.moments)).to.equal(null);
  });

  it('counts choices and takes the median time', () => {
    const obs: ItemObservation[] = [
      { userId: 'A', itemId: 'q', correct: true, timeMs: 4000, choices: ['d'] },
      { userId: 'B', itemId: 'q', correct: false, timeMs: 10000, choices: ['a'] },
      { userId: 'C', itemId: 'q', correct: false, timeMs: null, choices: ['a'] },
      { userId: 'D', itemId: 'q', correct: false, timeMs: 6000, choices: ['b'] },
    ];
    const q = aggregate(obs).get('q')!;
    expect(q.choiceCounts).to.deep.equal({ d: 1, a: 2, b: 1 });
    expect(q.medianTimeMs).to.equal(6000);
  });

  const base = (over: Partial<ItemAnalysis>): Omit<ItemAnalysis, 'flags'> => ({
    itemId: 'x', type: 'numeric', skills: ['s'], attempts: 40, students: 40, firstTryCorrect: 0.6, authoredDifficulty: 0, calibratedDifficulty: 0.2,
    drift: 0.2, discrimination: 0.3, medianTimeMs: 5000, choices: null, ...over,
  });

  it('flags: too few answers to tell says nothing else', () => {
    expect(flagsOf(base({ attempts: 19, firstTryCorrect: 0, discrimination: -0.5 }))).to.deep.equal([{ code: 'too_few', params: { n: 19, min: 20 } }]);
    expect(flagsOf(base({ attempts: 5 }), { minAttempts: 5 })).to.deep.equal([]);
  });

  it('flags: everyone wrong, negative discrimination, a distractor chosen more than the key', () => {
    expect(flagsOf(base({}))).to.deep.equal([]);
    expect(flagsOf(base({ firstTryCorrect: 0, discrimination: null })).map((f) => f.code)).to.deep.equal(['all_wrong']);
    expect(flagsOf(base({ discrimination: -0.12 }))).to.deep.equal([{ code: 'negative_discrimination', params: { r: '-0.12' } }]);
    const choices = [{ id: 'a', correct: false, count: 21 }, { id: 'b', correct: true, count: 15 }, { id: 'c', correct: false, count: 4 }];
    expect(flagsOf(base({ type: 'single_choice', choices }))).to.deep.equal([{ code: 'distractor_over_key', params: { choice: 'a', n: 21, key: 15 } }]);
    // Multiple choice: compared with the least-picked right choice.
    const multi = [{ id: 'a', correct: true, count: 30 }, { id: 'b', correct: true, count: 3 }, { id: 'c', correct: false, count: 4 }];
    expect(flagsOf(base({ type: 'multiple_choice', choices: multi })).map((f) => f.code)).to.deep.equal(['distractor_over_key']);
    const fine = [{ id: 'a', correct: false, count: 10 }, { id: 'b', correct: true, count: 10 }];
    expect(flagsOf(base({ type: 'single_choice', choices: fine }))).to.deep.equal([]);
  });

  it('analyses the listed items: drift from the authored difficulty, unanswered items, choice counts in the pack order', () => {
    const agg = aggregate(four);
    const rows = analyseItems(
      [
        { id: 'i1', type: 'numeric', skills: ['s'], authoredDifficulty: 0.5, calibrated: { difficulty: 1.25, answers: 4 } },
        { id: 'never', type: 'single_choice', skills: ['s'], authoredDifficulty: 0, calibrated: null, choices: [{ id: 'a', correct: true }, { id: 'b', correct: false }] },
      ],
      agg,
      { minAttempts: 3 },
    );
    expect(rows[0]).to.include({ itemId: 'i1', attempts: 4, firstTryCorrect: 0.5, calibratedDifficulty: 1.25, drift: 0.75 });
    expect(rows[0].discrimination).to.be.closeTo(Math.SQRT1_2, 1e-9);
    expect(rows[0].flags).to.deep.equal([]);
    expect(rows[1]).to.include({ attempts: 0, firstTryCorrect: null, drift: null, discrimination: null });
    expect(rows[1].choices).to.deep.equal([{ id: 'a', correct: true, count: 0 }, { id: 'b', correct: false, count: 0 }]);
    expect(rows[1].flags.map((f) => f.code)).to.deep.equal(['too_few']);
  });

  it('sorts by any column, missing values last in both directions, flagged items first by default', () => {
    const mk = (itemId: string, discrimination: number | null, flags: ItemAnalysis['flags']): ItemAnalysis => ({ ...base({ itemId, discrimination }), flags });
    const rows = [mk('a', 0.2, []), mk('b', null, [{ code: 'too_few' }]), mk('c', -0.3, [{ code: 'negative_discrimination' }]), mk('d', 0.5, [])];
    expect(sortAnalyses(rows, 'discrimination', 'asc').map((r) => r.itemId)).to.deep.equal(['c', 'a', 'd', 'b']);
    expect(sortAnalyses(rows, 'discrimination', 'desc').map((r) => r.itemId)).to.deep.equal(['d', 'a', 'c', 'b']);
    expect(sortAnalyses(rows, 'flags', 'desc').map((r) => r.itemId)).to.deep.equal(['c', 'b', 'a', 'd']);
    expect(sortAnalyses(rows, 'item', 'desc').map((r) => r.itemId)).to.deep.equal(['d', 'c', 'b', 'a']);
  });
});
