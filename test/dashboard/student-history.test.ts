import { expect } from 'chai';
import { applyAttempt, replay, resolveConfig, skillState, type Attempt } from '../../src/engine/index.js';
import { excusal, markMastered, markedByTeacher, resetSkill, type OverrideRecord } from '../../src/dashboard/overrides.js';
import { placeOf } from '../../src/dashboard/skill-view.service.js';
import { legendSwatch, masteryChartSvg } from '../../src/dashboard/student-chart.js';
import { commonMistakes, masteryHistory, responseText, type LoggedAttempt } from '../../src/dashboard/student-history.js';

const SKILLS = ['a', 'b'];
const cfg = resolveConfig({ skills: SKILLS, masteryThreshold: 0.85 });
const T0 = Date.UTC(2026, 4, 3, 9);
let id = 0;
const att = (skill: string, correct: boolean, over: Partial<LoggedAttempt> = {}): LoggedAttempt => ({
  id: ++id, itemId: `${skill}-1`, seed: 0, skills: [skill], kind: 'answer', tryNumber: 1, counted: true, response: correct ? '1' : '2', correct,
  score: correct ? 1 : 0, hintsUsed: 0, timeMs: 4000, difficulty: 0, remediates: null, answeredAt: new Date(T0 + id * 60_000), ...over,
});
const toEngine = (a: LoggedAttempt): Attempt => ({ itemId: a.itemId, skills: a.skills, correct: a.correct, score: a.score, hintsUsed: a.hintsUsed, at: a.answeredAt.getTime(), difficulty: a.difficulty ?? undefined });
const override = (action: OverrideRecord['action'], skillId: string | null, at: number): OverrideRecord => ({
  id: ++id, userId: 'u', skillId, action, reason: 'why', byUser: 't', byName: 'Ms Lee', byRole: 'instructor', graded: true, at: new Date(at),
});

describe('student history (pure)', () => {
  it('replays the counted attempts to the same state as the engine, one point per answer on each skill', () => {
    const log = [att('a', false), att('a', true), att('a', false, { tryNumber: 2, counted: false }), att('b', true), att('a', true)];
    const h = masteryHistory(log, [], SKILLS, cfg);
    expect(h.steps).to.equal(4);
    expect(h.series.get('a')!.map((p) => p.step)).to.deep.equal([1, 2, 4]);
    expect(h.series.get('b')!.map((p) => p.step)).to.deep.equal([3]);
    const engine = replay(log.filter((a) => a.counted).map(toEngine), cfg);
    expect(h.state.skills.a!.z).to.equal(engine.skills.a!.z);
    for (const p of h.series.get('a')!) expect(p.mastery).to.be.within(0, 1);
  });

  it('applies a reset and a mark at their time: the skill drops to 0, then reads at least the mastery level', () => {
    const log = [att('a', true), att('a', false)];
    const resetAt = log[1]!.answeredAt.getTime() + 1000;
    const later = att('a', false, { answeredAt: new Date(resetAt + 60_000) });
    const markAt = resetAt + 120_000;
    const h = masteryHistory([...log, later], [override('reset', 'a', resetAt), override('mastered', 'a', markAt)], SKILLS, cfg);
    const pts = h.series.get('a')!;
    expect(pts.map((p) => p.step)).to.deep.equal([1, 2, 2, 3, 3]);
    expect(pts[2]!.mastery).to.equal(0);
    // After the reset the skill counts one answer only.
    expect(h.state.skills.a!.answers).to.equal(1);
    expect(pts[4]!.mastery).to.be.at.least(0.85);
    expect(h.events.map((e) => e.action)).to.deep.equal(['reset', 'mastered']);
  });

  it('finds the wrong answers given most often and the skills with most wrong answers', () => {
    const log = [
      att('a', false, { response: '3/4' }), att('a', false, { response: '3/4', tryNumber: 2 }), att('b', false, { response: ['x', 'y'] }),
      att('a', true), att('b', false, { kind: 'worked_example', response: null }),
    ];
    const m = commonMistakes(log, SKILLS);
    expect(m.answers[0]).to.include({ itemId: 'a-1', count: 2 });
    expect(m.answers[0]!.response).to.equal('3/4');
    expect(m.answers).to.have.length(2);
    expect(m.bySkill.map((s) => [s.skill, s.wrong, s.answers])).to.deep.equal([['a', 2, 3], ['b', 1, 1]]);
    expect(responseText(['x', 'y'], new Map([['x', 'one half']]))).to.equal('one half, y');
  });
});

describe('overrides (pure)', () => {
  const weak = replay([att('a', false), att('a', true), att('a', false)].map(toEngine), cfg);

  it("marks a skill mastered as the teacher's verdict, which survives a right answer and lapses by the engine's rule", () => {
    const now = T0 + 3_600_000;
    const marked = markMastered(weak, 'a', cfg, now);
    expect(weak.skills.a!.mastered, 'input unchanged').to.equal(false);
    expect(markedByTeacher(marked.skills.a)).to.equal(true);
    expect(marked.skills.a!.dueAt).to.equal(null);
    const right = applyAttempt(marked, { itemId: 'a-2', skills: ['a'], correct: true, hintsUsed: 0, at: now + 60_000 }, cfg);
    expect(markedByTeacher(right.skills.a), 'a right answer keeps it').to.equal(true);
    const other = applyAttempt(right, { itemId: 'b-1', skills: ['b'], correct: false, hintsUsed: 0, at: now + 120_000 }, cfg);
    expect(markedByTeacher(other.skills.a), 'answers on other skills keep it').to.equal(true);
    const wrong = applyAttempt(other, { itemId: 'a-3', skills: ['a'], correct: false, hintsUsed: 0, at: now + 180_000 }, cfg);
    expect(wrong.skills.a!.mastered, 'a wrong answer well below the level lapses it').to.equal(false);
    expect(markedByTeacher(wrong.skills.a)).to.equal(false);
  });

  it('resets a skill to a fresh start (the model prior), leaving the other skills alone', () => {
    const both = applyAttempt(weak, { itemId: 'b-1', skills: ['b'], correct: true, hintsUsed: 0, at: T0 + 9e6 }, cfg);
    const r = resetSkill(both, 'a');
    expect(r.skills.a).to.equal(undefined);
    expect(skillState(r, 'a', cfg).answers).to.equal(0);
    expect(r.skills.b).to.deep.equal(both.skills.b);
    expect(both.skills.a, 'input unchanged').not.to.equal(undefined);
  });

  it('an excusal holds until it is ended or the student answers again', () => {
    const ex = override('excused', null, T0);
    expect(excusal([], null).excused).to.equal(false);
    expect(excusal([ex], new Date(T0 - 1000))).to.include({ excused: true, endedByAnswer: false });
    expect(excusal([ex], new Date(T0 + 1000))).to.include({ excused: false, endedByAnswer: true });
    expect(excusal([ex, override('unexcused', null, T0 + 10)], null).excused).to.equal(false);
    expect(excusal([ex, override('mastered', 'a', T0 + 10)], null).excused).to.equal(true);
  });

  it('a student is struggling on a skill with three wrong in a row or when the engine set it aside', () => {
    expect(placeOf('practising', 3, false)).to.equal('struggling');
    expect(placeOf('practising', 0, true)).to.equal('struggling');
    expect(placeOf('practising', 2, false)).to.equal('practising');
    expect(placeOf('mastered', 5, false)).to.equal('mastered');
  });
});

describe('mastery chart (pure SVG)', () => {
  it('draws one line per skill, the mastery level and the overrides, with escaped text and an accessible name', () => {
    const svg = masteryChartSvg(
      [
        { skill: 'a', name: 'Fractions <script>alert(1)</script>', points: [{ step: 1, at: T0, mastery: 0.3 }, { step: 2, at: T0, mastery: 0.6 }] },
        { skill: 'b', name: 'B & C', points: [{ step: 3, at: T0, mastery: 0.9 }] },
      ],
      3, 0.85, [{ step: 2, at: T0, action: 'mastered', skill: 'a' }],
      { title: 'Mastery "of" Jo', description: 'd', xLabel: 'x', yLabel: 'y', threshold: 'level 85%', event: () => 'Marked <b>' },
    );
    expect(svg).to.match(/^<svg [^>]*role="img" aria-labelledby="chart-title chart-desc"/);
    expect(svg).to.contain('<title id="chart-title">Mastery &quot;of&quot; Jo</title>');
    expect(svg).not.to.contain('<script>');
    expect(svg).to.contain('Fractions &lt;script&gt;');
    expect(svg).to.contain('B &amp; C');
    expect(svg.match(/<path d="M/g)).to.have.length(2);
    expect(svg).to.contain('level 85%');
    expect(svg).to.contain('<title>Marked &lt;b&gt;</title>');
    expect(svg).to.contain('stroke-dasharray="6 3"');
    expect(legendSwatch(1)).to.contain('stroke-dasharray="6 3"');
  });
});
