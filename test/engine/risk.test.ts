import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DEFAULT_DEFINITION, FEATURES, actionFor, assess, auc, bestF1Threshold, defaultRiskModel, firstFlags, fitLogistic, fitRiskModel,
  labelSequences, parseAnswerCsv, riskModelFor, runEvaluation, scoreStream, seqKey, summarise, todayRule, walk,
  type RiskAnswer, type RiskModel,
} from '../../src/engine/risk/index.js';

/** Seeded uniform [0, 1). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Synthetic students: ability, skill difficulty and learning with practice; each practises skills one after the
 * other until 3 in a row, 14 answers, or a random stop.
 */
function synthetic(students: number, seed = 7): RiskAnswer[] {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const skills = Array.from({ length: 6 }, (_, i) => ({ id: `k${i}`, b: normal() * 0.8 }));
  const out: RiskAnswer[] = [];
  for (let s = 0; s < students; s++) {
    const theta = normal() * 1.2;
    for (const sk of skills.slice(0, 2 + Math.floor(r() * 4))) {
      let run = 0;
      for (let k = 0; k < 14; k++) {
        const p = 1 / (1 + Math.exp(-(theta - sk.b - 0.3 + 0.15 * k)));
        const correct = r() < p;
        out.push({ student: `s${s}`, skill: sk.id, correct });
        run = correct ? run + 1 : 0;
        if (run >= 3 || r() < 0.04) break;
      }
    }
  }
  return out;
}

const seq = (student: string, skill: string, bits: string): RiskAnswer[] => [...bits].map((b) => ({ student, skill, correct: b === '1' }));

describe('risk: at-risk model', function () {
  this.timeout(60_000);
  const data = synthetic(600);
  let model: RiskModel;
  before(() => {
    model = fitRiskModel(data, { source: 'synthetic' });
  });

  describe('no peeking', () => {
    it('a prediction at an answer never changes when later answers change', () => {
      const r = rng(3);
      const probs = (answers: RiskAnswer[]) => {
        const m = new Map<number, number>();
        scoreStream(model, answers, (pt) => m.set(pt.snapshot.row, pt.probability));
        return m;
      };
      const base = probs(data);
      for (const cut of [10, 500, 1500, data.length - 20]) {
        const changed = data.map((a, i) => (i <= cut ? a : { ...a, correct: r() < 0.5, hints: 3, ms: 90_000 }));
        const after = probs(changed);
        for (const [row, p] of base) if (row <= cut) expect(after.get(row), `row ${row}`).to.equal(p);
      }
    });

    it('a flag (index, probability, reasons, action) never changes when later answers change', () => {
      const flags = firstFlags(model, data);
      expect(flags.size).to.be.greaterThan(20);
      let checked = 0;
      for (const f of [...flags.values()].slice(0, 40)) {
        // Flip every later answer of this student on this skill, and every later answer on other skills.
        let k = 0;
        let seen = false;
        const changed = data.map((a) => {
          if (a.student !== f.student) return a;
          if (seen) return { ...a, correct: !a.correct };
          if (a.skill === f.skill && ++k === f.atAnswer) seen = true;
          return a;
        });
        const again = firstFlags(model, changed).get(seqKey(f.student, f.skill));
        expect(again).to.deep.equal(f);
        checked++;
      }
      expect(checked).to.be.greaterThan(10);
    });

    it('features at answer k describe answers 1..k only', () => {
      const xs: Float64Array[] = [];
      walk(seq('a', 'x', '0101'), DEFAULT_DEFINITION, undefined, (s) => xs.push(s.x));
      const ys: Float64Array[] = [];
      walk(seq('a', 'x', '0100'), DEFAULT_DEFINITION, undefined, (s) => ys.push(s.x));
      expect([...xs[2]!]).to.deep.equal([...ys[2]!]);
      expect([...xs[3]!]).not.to.deep.equal([...ys[3]!]);
    });
  });

  describe("today's rule", () => {
    it('flags 3 wrong in a row on a skill', () => {
      const steps = todayRule(seq('a', 'x', '1000'));
      expect(steps.map((s) => s.reason?.code ?? null)).to.deep.equal([null, null, null, 'wrong_streak']);
      expect(steps[3]!.reason).to.deep.equal({ code: 'wrong_streak', skill: 'x', count: 3 });
      expect(steps[3]!.k).to.equal(4);
    });

    it('flags 15 answers with no skill mastered, on every skill, until one is mastered', () => {
      const answers = [...seq('a', 'x', '1010101010'), ...seq('a', 'y', '10101'), ...seq('a', 'y', '11'), ...seq('a', 'x', '0')];
      const steps = todayRule(answers);
      expect(steps[13]!.reason).to.equal(null);
      expect(steps[14]!.reason).to.deep.equal({ code: 'no_skill_mastered', answers: 15 });
      expect(steps[15]!.reason).to.deep.equal({ code: 'no_skill_mastered', answers: 16 });
      expect(steps[16]!.reason, 'y mastered: 3 in a row').to.equal(null);
      expect(steps[17]!.reason).to.equal(null);
    });

    it('keeps students apart', () => {
      const answers = [...seq('a', 'x', '00'), ...seq('b', 'x', '0'), ...seq('a', 'x', '0')];
      expect(todayRule(answers).map((s) => s.reason?.code ?? null)).to.deep.equal([null, null, null, 'wrong_streak']);
    });
  });

  describe('labels', () => {
    it('mastered within the horizon, wheel-spun, unfinished (and strict leaves unfinished out)', () => {
      const answers = [...seq('a', 'm', '0111'), ...seq('a', 'w', '0101010101011'), ...seq('a', 'u', '01')];
      const l = labelSequences(answers, DEFAULT_DEFINITION);
      expect(l.get(seqKey('a', 'm'))).to.include({ positive: false, masteredAt: 4 });
      expect(l.get(seqKey('a', 'w'))).to.include({ positive: true, length: 13 });
      expect(l.get(seqKey('a', 'u'))!.positive).to.equal(true);
      expect(labelSequences(answers, { ...DEFAULT_DEFINITION, label: 'strict' }).get(seqKey('a', 'u'))!.positive).to.equal(null);
    });
  });

  describe('fit and predict', () => {
    it('logistic regression recovers the sign of a signal and ignores a constant feature', () => {
      const r = rng(11);
      const n = 4000;
      const X = new Float64Array(n * 3);
      const y = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const a = r() * 4 - 2;
        const b = r() * 4 - 2;
        X.set([a, b, 5], i * 3);
        y[i] = r() < 1 / (1 + Math.exp(-(1.5 * a - 0.5))) ? 1 : 0;
      }
      const fit = fitLogistic(X, 3, y, 1e-4);
      const slope = fit.coef[0]! / fit.std[0]!;
      expect(slope).to.be.closeTo(1.5, 0.2);
      expect(Math.abs(fit.coef[1]!)).to.be.lessThan(0.1);
      expect(fit.coef[2]).to.equal(0);
    });

    it('predicts wheel-spinning on held-out synthetic students better than chance, and beats nothing-flagged', () => {
      const test = synthetic(300, 99);
      const s = summarise(runEvaluation(model, test));
      expect(s.auc).to.be.greaterThan(0.7);
      expect(s.model.f1).to.be.greaterThan(0.5);
      expect(model.threshold).to.be.within(0, 1);
      const at3 = (bits: string) => {
        let p = NaN;
        scoreStream(model, seq('z', 'k0', bits), (pt) => (p = pt.probability));
        return p;
      };
      expect(at3('000'), 'more wrong answers, more risk').to.be.greaterThan(at3('010'));
      expect(at3('010')).to.be.greaterThan(at3('011'));
    });

    it('chooses the F1-maximising threshold', () => {
      const t = bestF1Threshold([
        { p: 0.9, pos: true },
        { p: 0.8, pos: true },
        { p: 0.6, pos: false },
        { p: 0.4, pos: true },
        { p: 0.1, pos: false },
      ]);
      expect(t).to.equal(0.25);
      expect(auc([{ p: 0.2, positive: false }, { p: 0.7, positive: true }])).to.equal(1);
    });

    it('uses hints and time when the log has them and still predicts without them', () => {
      const r = rng(5);
      const rich = data.map((a) => ({ ...a, hints: a.correct ? 0 : Math.floor(r() * 3), ms: (a.correct ? 20_000 : 45_000) * (0.5 + r()) }));
      const m = fitRiskModel(rich);
      expect(m.coef[FEATURES.indexOf('hint_rate')]).not.to.equal(0);
      expect(m.coef[FEATURES.indexOf('log_seconds')]).not.to.equal(0);
      expect(model.coef[FEATURES.indexOf('hint_rate')], 'absent in the log: no weight').to.equal(0);
      const flags = firstFlags(m, data);
      for (const f of flags.values()) expect(f.probability).to.be.within(0, 1);
    });

    it("falls back to the default model when the tenant's log is small, and fits its own when large", () => {
      expect(riskModelFor(data.slice(0, 200)).source).to.equal('default');
      expect(riskModelFor(data).source).to.equal('tenant');
      expect(defaultRiskModel.kind).to.equal('mastery-risk');
      expect(defaultRiskModel.skillRates, 'the default model is skill-blind').to.equal(undefined);
      expect(defaultRiskModel.threshold).to.be.within(0.05, 0.95);
      const flags = assess(defaultRiskModel, seq('a', 'x', '000100'));
      expect(flags).to.have.length(1);
      expect(flags[0]!.atAnswer).to.equal(6);
    });
  });

  describe('reasons and actions', () => {
    it('explains a flag with message codes and parameters the view can translate', () => {
      const flags = assess(defaultRiskModel, [...seq('s', 'frac', '1100101'), ...seq('s', 'eq', '10010')]);
      const eq = flags.find((f) => f.skill === 'eq')!;
      expect(eq, 'flagged on eq').to.not.equal(undefined);
      expect(eq.atAnswer).to.equal(5);
      expect(eq.reasons.length).to.be.within(1, 3);
      // Every reason the model may give here, with the parameters that are true of answers 1..5 on eq.
      const truthful = [
        { code: 'recent_wrong', skill: 'eq', wrong: 3, of: 5 },
        { code: 'low_accuracy', skill: 'eq', correct: 2, of: 5 },
        { code: 'many_answers', skill: 'eq', answers: 5 },
        { code: 'struggled_elsewhere', mastered: 0, of: 1 },
        { code: 'low_accuracy_elsewhere', correct: 4, of: 7 },
      ];
      for (const r of eq.reasons) expect(truthful).to.deep.include(r);
      expect(['reteach_prerequisite', 'worked_example', 'small_group']).to.include(eq.action);
    });

    it('every flag of a fitted model has reasons that hold in words and an action', () => {
      for (const f of firstFlags(model, data).values()) {
        expect(f.reasons.length).to.be.within(1, 3);
        for (const r of f.reasons) {
          if (r.code === 'recent_wrong') expect(r.wrong * 2).to.be.at.least(r.of);
          if (r.code === 'wrong_streak') expect(r.count).to.be.at.least(2);
          if (r.code === 'low_accuracy') expect(r.correct * 2 < r.of || r.correct === 0).to.equal(true);
        }
        expect(['reteach_prerequisite', 'worked_example', 'small_group']).to.include(f.action);
      }
    });

    it('suggests re-teaching a prerequisite, a worked example, or a small group', () => {
      expect(actionFor([{ code: 'recent_wrong', skill: 'x', wrong: 4, of: 6 }])).to.equal('worked_example');
      expect(actionFor([{ code: 'recent_wrong', skill: 'x', wrong: 4, of: 6 }, { code: 'struggled_elsewhere', mastered: 0, of: 3 }])).to.equal('reteach_prerequisite');
      expect(actionFor([{ code: 'low_accuracy', skill: 'x', correct: 0, of: 4 }])).to.equal('reteach_prerequisite');
      expect(actionFor([{ code: 'hard_skill', skill: 'x', percent: 70 }])).to.equal('small_group');
      const three = ['a', 'b', 'c'].flatMap((s) => seq(s, 'x', '0000010'));
      const flags = assess(defaultRiskModel, three);
      expect(flags).to.have.length(3);
      for (const f of flags) expect(f.action).to.equal('small_group');
    });
  });

  describe('npm run risk', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'risk-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const run = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/risk.ts', ...args], { cwd: process.cwd() });
      const lines = stdout.trim().split('\n');
      return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    };
    const keys = ['auc', 'precision', 'recall', 'f1', 'rule_precision', 'rule_recall', 'rule_f1', 'flagged_at_answer_median', 'rule_flagged_at_answer_median'];

    it('ends with the JSON line (--train/--test and --cv)', async () => {
      const csv = (a: RiskAnswer[]) => `student,skill,correct\n${a.map((x) => `${x.student},${x.skill},${x.correct ? 1 : 0}`).join('\n')}\n`;
      const train = path.join(dir, 'train.csv');
      const test = path.join(dir, 'test.csv');
      writeFileSync(train, csv(synthetic(150, 1)));
      writeFileSync(test, csv(synthetic(60, 2)));
      expect(parseAnswerCsv(csv(seq('a', 'x', '01')))).to.deep.equal(seq('a', 'x', '01'));
      for (const args of [['--train', train, '--test', test], ['--train', train, '--cv', '3']]) {
        const j = await run(...args);
        expect(Object.keys(j)).to.deep.equal(keys);
        for (const k of keys) expect(j[k], k).to.be.a('number');
        expect(j.auc).to.be.within(0, 1);
        expect(j.f1).to.be.within(0, 1);
      }
    });
  });
});
