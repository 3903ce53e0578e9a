// The class view's summaries are pure: a learner's state and attempt log in, one row per skill out; the class view
// is assembled from stored rows. The at-risk flags come from the learned model and never read a later answer.
import { expect } from 'chai';
import { applyAttempt, createState, replay, resolveConfig, type Attempt } from '../../src/engine/index.js';
import { assess, defaultRiskModel } from '../../src/engine/risk/index.js';
import { assembleClass, riskStream, summariseLearner, type SummaryAttempt } from '../../src/dashboard/summary.js';
import { filterAndSort, DEFAULT_QUERY, reasonText } from '../../src/dashboard/dashboard.presenter.js';
import { translator } from '../../src/i18n/index.js';

const T0 = Date.UTC(2026, 9, 5, 9);
const cfg = resolveConfig({ skills: ['a', 'b', 'c'], masteryThreshold: 0.85 });

/** A log of first tries on skills, one a minute, with the learner state replayed from it. */
function learner(pattern: { skill: string; correct: boolean; hints?: number; ms?: number }[]) {
  const attempts: SummaryAttempt[] = pattern.map((p, i) => ({ skills: [p.skill], kind: 'answer', counted: true, correct: p.correct, hints: p.hints ?? 0, timeMs: p.ms ?? 20_000, at: T0 + i * 60_000 }));
  const engine: Attempt[] = attempts.map((a, i) => ({ itemId: `i${i}`, skills: [...a.skills], correct: a.correct, hintsUsed: a.hints, at: a.at }));
  return { attempts, engine, state: replay(engine, cfg) };
}

const wrong = (skill: string, n: number, extra: { hints?: number; ms?: number } = {}) => Array.from({ length: n }, () => ({ skill, correct: false, ...extra }));
const right = (skill: string, n: number) => Array.from({ length: n }, () => ({ skill, correct: true }));

describe('dashboard: class summaries (pure)', () => {
  it('gives each assigned skill its state in words, answers, time and last activity', () => {
    const l = learner([...right('a', 12), ...wrong('b', 8, { hints: 2, ms: 90_000 })]);
    const s = summariseLearner({ userId: 'u1', state: l.state, attempts: l.attempts, skills: ['a', 'b', 'c'], cfg, model: defaultRiskModel, asOf: T0 + 3_600_000 });
    const [a, b, c] = s.skills;
    expect(s.answers).to.equal(20);
    expect(s.timeMs).to.equal(12 * 20_000 + 8 * 90_000);
    expect(s.lastAt).to.equal(T0 + 19 * 60_000);
    expect(a.status).to.equal('mastered');
    expect(a.mastery).to.be.greaterThan(0.85);
    expect(a.risk).to.equal(null);
    expect(b.status).to.equal('struggling');
    expect(b.answers).to.equal(8);
    expect(b.hints).to.equal(16);
    expect(b.wrongStreak).to.equal(8);
    expect(b.timeMs).to.equal(8 * 90_000);
    expect(b.risk!.reasons.length).to.be.within(1, 3);
    expect(b.risk!.atAnswer).to.equal(8);
    expect(c).to.include({ status: 'not_started', mastery: 0, answers: 0, lastAt: null, risk: null });
  });

  it('calls a practised skill "practising" while the model sees no risk', () => {
    const l = learner([{ skill: 'a', correct: true }, { skill: 'a', correct: false }, { skill: 'a', correct: true }]);
    const s = summariseLearner({ userId: 'u1', state: l.state, attempts: l.attempts, skills: ['a'], cfg, model: defaultRiskModel, asOf: T0 + 3_600_000 });
    expect(s.skills[0].status).to.equal('practising');
    expect(s.skills[0].risk).to.equal(null);
  });

  it('no peeking: a flag is the same whatever happens after it, and equals the model on the answers up to it', () => {
    // Six wrong answers on b (a flag), then a later run that would change everything (right answers on b, more skills).
    const before = [...right('a', 3), ...wrong('b', 6)];
    const later = [...right('b', 5), ...wrong('c', 5), ...wrong('a', 3)];
    const full = learner([...before, ...later]);
    const cut = T0 + (before.length - 1) * 60_000;
    const prefix = learner(before);
    // The summary as of the flag reads the state as it was then (the stored state of that moment) and the full log.
    const asOf = summariseLearner({ userId: 'u1', state: prefix.state, attempts: full.attempts, skills: ['a', 'b', 'c'], cfg, model: defaultRiskModel, asOf: cut });
    const onPrefix = summariseLearner({ userId: 'u1', state: prefix.state, attempts: prefix.attempts, skills: ['a', 'b', 'c'], cfg, model: defaultRiskModel, asOf: cut });
    expect(asOf).to.deep.equal(onPrefix);
    const flag = asOf.skills[1].risk!;
    expect(flag, 'six wrong in a row on b are flagged').to.not.equal(null);
    expect(flag.atAnswer).to.equal(6);
    // Changing every later answer (right <-> wrong, other skills) changes nothing before the cut.
    const flipped = full.attempts.map((a) => (a.at > cut ? { ...a, correct: !a.correct, skills: ['c'] } : a));
    expect(summariseLearner({ userId: 'u1', state: prefix.state, attempts: flipped, skills: ['a', 'b', 'c'], cfg, model: defaultRiskModel, asOf: cut })).to.deep.equal(asOf);
    // And the flag is exactly the model's on the stream up to it.
    const model = assess(defaultRiskModel, riskStream('u1', prefix.attempts)).find((f) => f.skill === 'b')!;
    expect(flag).to.deep.equal({ probability: Math.round(model.probability * 1000) / 1000, atAnswer: model.atAnswer, reasons: model.reasons, action: model.action });
  });

  it('reads counted first tries only for the model, but counts every try as time spent', () => {
    const l = learner(wrong('b', 5));
    const second: SummaryAttempt = { skills: ['b'], kind: 'answer', counted: false, correct: true, hints: 0, timeMs: 30_000, at: T0 + 5 * 60_000 };
    const s = summariseLearner({ userId: 'u1', state: l.state, attempts: [...l.attempts, second], skills: ['b'], cfg, model: defaultRiskModel, asOf: T0 + 3_600_000 });
    expect(riskStream('u1', [...l.attempts, second])).to.have.length(5);
    expect(s.answers).to.equal(5);
    expect(s.timeMs).to.equal(5 * 20_000 + 30_000);
  });

  it('assembles the class: review due from due_at, small groups where 3 or more are flagged, today\'s rule until the model flags', () => {
    const stuck = ['s1', 's2', 's3'].map((u) => ({ u, l: learner([...right('a', 2), ...wrong('b', 7)]) }));
    const ok = learner(right('a', 12));
    const streak = learner([...right('b', 1), ...wrong('c', 3)]);
    const asOf = T0 + 3_600_000;
    const sum = (u: string, l: ReturnType<typeof learner>) => ({ ...summariseLearner({ userId: u, state: l.state, attempts: l.attempts, skills: ['a', 'b', 'c'], cfg, model: defaultRiskModel, asOf }), name: u.toUpperCase() });
    const learners = [...stuck.map(({ u, l }) => sum(u, l)), sum('ok', ok), sum('streak', streak)];
    const mastered = learners[3].skills[0];
    expect(mastered.status).to.equal('mastered');
    const due = mastered.dueAt ?? asOf;
    const before = assembleClass(learners, ['a', 'b', 'c'], due - 1);
    const after = assembleClass(learners, ['a', 'b', 'c'], due + 1);
    if (mastered.dueAt !== null) expect(before.lines[3].cells[0].status).to.equal('mastered');
    expect(after.lines[3].cells[0].status).to.equal('review_due');
    expect(after.lines[3].mastered, 'a skill due for review still counts as mastered').to.equal(1);
    const help = after.help;
    for (const u of ['s1', 's2', 's3']) {
      const h = help.find((x) => x.userId === u)!;
      expect(h.flags[0].skill).to.equal('b');
      expect(h.flags[0].action, 'three students flagged on b: a small group').to.equal('small_group');
      expect(h.rule).to.equal(null);
    }
    const s = help.find((x) => x.userId === 'streak')!;
    if (s.flags.length === 0) expect(s.rule).to.deep.equal({ code: 'wrong_streak', params: { n: 3 } });
    expect(help.find((x) => x.userId === 'ok')).to.equal(undefined);
    expect(help[0].probability).to.be.at.least(help[help.length - 1].probability);
  });

  it('filters by skill state and last activity and sorts', () => {
    const a = learner(right('a', 12));
    const b = learner(wrong('b', 7));
    const now = T0 + 8 * 86_400_000;
    const lines = [
      { ...summariseLearner({ userId: 'x', state: a.state, attempts: a.attempts, skills: ['a', 'b'], cfg, model: defaultRiskModel, asOf: T0 + 3_600_000 }), name: 'Zoe' },
      { ...summariseLearner({ userId: 'y', state: b.state, attempts: b.attempts.map((t) => ({ ...t, at: t.at + 7.9 * 86_400_000 })), skills: ['a', 'b'], cfg, model: defaultRiskModel, asOf: now }), name: 'Adam' },
      { userId: 'z', name: 'Mia', answers: 0, timeMs: 0, lastAt: null, skills: [] },
    ];
    const { lines: rows, help } = assembleClass(lines, ['a', 'b'], now);
    const view = { assignment: null, skills: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }], rows, help, riskSource: 'default' as const, at: now };
    expect(filterAndSort(view, DEFAULT_QUERY, now).map((r) => r.name)).to.deep.equal(['Adam', 'Mia', 'Zoe']);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, status: 'struggling' }, now).map((r) => r.name)).to.deep.equal(['Adam']);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, skill: 'a', status: 'struggling' }, now)).to.deep.equal([]);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, status: 'not_started', skill: 'b' }, now).map((r) => r.name)).to.deep.equal(['Mia', 'Zoe']);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, active: 'today' }, now).map((r) => r.name)).to.deep.equal(['Adam']);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, active: 'inactive' }, now).map((r) => r.name)).to.deep.equal(['Zoe']);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, active: 'never' }, now).map((r) => r.name)).to.deep.equal(['Mia']);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, sort: 'mastered', dir: 'desc' }, now).map((r) => r.name)).to.deep.equal(['Zoe', 'Adam', 'Mia']);
    expect(filterAndSort(view, { ...DEFAULT_QUERY, sort: 'risk', dir: 'desc' }, now)[0].name).to.equal('Adam');
  });

  it('says each reason in words with the skill\'s name, in English and Spanish', () => {
    const name = (id: string) => (id === 'equivalent-fractions' ? 'Equivalent fractions' : id);
    expect(reasonText({ code: 'recent_wrong', skill: 'equivalent-fractions', wrong: 4, of: 6 }, name, translator('en'))).to.equal('4 of the last 6 wrong on Equivalent fractions');
    expect(reasonText({ code: 'many_hints', skill: 'x', hints: 9, of: 5 }, name, translator('en'))).to.equal('many hints (9 in 5 answers)');
    expect(reasonText({ code: 'recent_wrong', skill: 'equivalent-fractions', wrong: 4, of: 6 }, name, translator('es'))).to.equal('4 de las últimas 6 incorrectas en Equivalent fractions');
  });

  it('keeps a state from the engine untouched (summaries never write it)', () => {
    const st = applyAttempt(createState(), { itemId: 'i', skills: ['a'], correct: true, hintsUsed: 0, at: T0 }, cfg);
    const copy = JSON.stringify(st);
    summariseLearner({ userId: 'u', state: st, attempts: [], skills: ['a'], cfg, model: defaultRiskModel, asOf: T0 });
    expect(JSON.stringify(st)).to.equal(copy);
  });
});
