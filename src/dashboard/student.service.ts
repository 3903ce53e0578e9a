/**
 * The instructor's drill-down of one student in one activity (issue 16, item 2): the learner row, the
 * attempt log and the teacher's overrides, read in parallel (three indexed reads, one learner), then the
 * pure history (student-history.ts) and the engine's plan (the question the practice loop stored as the
 * student's next step, with the engine's reason). Every read is scoped to the session's tenant and
 * resource link: a student of another activity, course or tenant is "not found".
 */
import type pg from 'pg';

import { createRng, nextStep, skillState, upgradeState, type LearnerState } from '../engine/index.js';
import type { Catalog, PackEntry } from '../content/catalog.js';
import { renderItemForStudent, type StudentItemView } from '../content/content.presenter.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import { systemClock, type Clock } from '../clock.js';
import type { Queryable } from '../db/index.js';
import { notFound } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import { readLearner, type Assignment, type CurrentQuestion, type LearnerKey } from '../practice/practice.repository.js';
import { configOf, progressOf, type Progress } from '../practice/progress.js';
import { excusal, latestBySkill, markedByTeacher, type OverrideRecord } from './overrides.js';
import { readOverrides } from './overrides.service.js';
import { commonMistakes, masteryHistory, type FrequentMistake, type LoggedAttempt, type MasteryHistory, type SkillMistakes } from './student-history.js';

/** One student of the activity, as the drill-down and the print page show them. */
export interface StudentView {
  assignment: Assignment;
  cache: PackEntry;
  userId: string;
  name: string | null;
  /** The student's launch locale (questions are shown in it, as the student saw them). */
  locale: string;
  answered: number;
  progress: Progress;
  /** Per skill: answers and right answers (every try), hints, time, the newest override, the engine's flags. */
  skills: SkillRow[];
  attempts: LoggedAttempt[];
  overrides: OverrideRecord[];
  history: MasteryHistory;
  mistakes: { answers: FrequentMistake[]; bySkill: SkillMistakes[] };
  /** The step the engine stored as the student's next one, with its reason; null when every skill is mastered. */
  plan: CurrentQuestion | null;
  /** Without a next step stored: why the engine has nothing to give (practice paused on skills, come back later). */
  stopped: { code: 'practice_paused' | 'come_back_later' | 'no_items'; related: string[] } | null;
  excusal: ReturnType<typeof excusal>;
  lastAnswerAt: Date | null;
  /** Time of the newest reset per skill (answers before it are shown as before the reset). */
  resets: Map<string, number>;
}

export interface SkillRow {
  id: string;
  name: string;
  mastery: number;
  status: Progress['skills'][number]['status'];
  answers: number;
  correct: number;
  hints: number;
  timeMs: number;
  lastAt: Date | null;
  wrongStreak: number;
  parked: boolean;
  marked: boolean;
  override: OverrideRecord | null;
}

type AttemptDbRow = {
  id: string; item_id: string; seed: string; skills: string[]; kind: 'answer' | 'worked_example'; try_number: number; counted: boolean; response: unknown;
  correct: boolean; score: number; hints_used: number; time_ms: number | null; difficulty: number | null; remediates: string | null; answered_at: Date;
};

/** Every attempt of one learner in one activity, in order (attempts_by_learner). */
export async function learnerLog(db: Queryable, k: LearnerKey): Promise<LoggedAttempt[]> {
  const { rows } = await db.query<AttemptDbRow>({
    name: 'dashboard-student-log',
    text: `SELECT id, item_id, seed, skills, kind, try_number, counted, response, correct, score, hints_used, time_ms, difficulty, remediates, answered_at
     FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 ORDER BY id`,
    values: [k.tenantId, k.resourceLinkId, k.userId],
  });
  return rows.map((r) => ({
    id: Number(r.id), itemId: r.item_id, seed: Number(r.seed), skills: r.skills, kind: r.kind, tryNumber: r.try_number, counted: r.counted, response: r.response,
    correct: r.correct, score: r.score, hintsUsed: r.hints_used, timeMs: r.time_ms, difficulty: r.difficulty, remediates: r.remediates, answeredAt: r.answered_at,
  }));
}

/** Rendered question instances (per pack entry, item, seed and locale); cleared when full. */
const RENDERED_MAX = 5_000;
const rendered = new WeakMap<PackEntry, Map<string, StudentItemView | null>>();

/** A question instance as the student saw it (null when the pack no longer has the item). */
export function questionView(catalog: Catalog, cache: PackEntry, itemId: string, seed: number, locale: string): StudentItemView | null {
  let m = rendered.get(cache);
  if (!m) rendered.set(cache, (m = new Map()));
  const key = `${itemId}\u0000${seed}\u0000${locale}`;
  if (m.has(key)) return m.get(key)!;
  let v: StudentItemView | null = null;
  if (cache.items.has(itemId)) {
    try {
      v = renderItemForStudent(catalog.concrete(cache, itemId, seed), { seed, locale, packLocale: cache.pack.pack.locale });
    } catch {
      v = null;
    }
  }
  if (m.size >= RENDERED_MAX) m.clear();
  m.set(key, v);
  return v;
}

/** Students whose log and replay are kept (see StudentService.student). */
const DERIVED_MAX = 500;

export class StudentService {
  private readonly clock: Clock;
  /** Per learner: the attempt log, its replay and mistakes, valid for one learner version and overrides. */
  private derived = new Map<string, { sig: string; cache: PackEntry; attempts: LoggedAttempt[]; history: MasteryHistory; mistakes: StudentView['mistakes']; unsure: boolean }>();

  constructor(private readonly deps: { pool: pg.Pool; catalog: Catalog; assignments: AssignmentService; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  get catalog(): Catalog {
    return this.deps.catalog;
  }

  /** The actor's configured activity and its pack, or 404. */
  async activity(actor: Actor): Promise<{ assignment: Assignment; cache: PackEntry }> {
    const assignment = await this.deps.assignments.get(actor);
    if (!assignment) throw notFound('This activity');
    return { assignment, cache: await this.deps.catalog.pack(actor.tenantId, assignment.packId) };
  }

  /** One student of the actor's activity, or 404 (a student of any other activity, course or tenant). */
  async student(actor: Actor, userId: string): Promise<StudentView> {
    const { assignment: a, cache } = await this.activity(actor);
    const key: LearnerKey = { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId };
    const cacheKey = `${key.tenantId}\u0000${key.resourceLinkId}\u0000${key.userId}`;
    // A student not opened lately (nothing kept): the log is read beside the other reads, not after them.
    const known = this.derived.get(cacheKey);
    const log = known && known.cache === cache ? null : learnerLog(this.deps.pool, key);
    log?.catch(() => undefined);
    const [learner, user, overrides] = await Promise.all([
      readLearner(this.deps.pool, key),
      this.deps.pool.query<{ name: string | null; locale: string | null }>({ name: 'dashboard-student-user', text: 'SELECT name, locale FROM users WHERE tenant_id = $1 AND id = $2', values: [actor.tenantId, userId] }),
      readOverrides(this.deps.pool, key),
    ]);
    if (!learner) throw notFound('This student');
    const cfg = configOf(a, cache);
    // The log and its replay are kept while the learner row's version (bumped by every attempt and skill
    // override), the overrides and the pack's model are the same.
    const sig = `${learner.version}\u0000${overrides.length ? overrides[overrides.length - 1]!.id : 0}\u0000${a.skills.join(',')}\u0000${a.threshold}`;
    let derived = this.derived.get(cacheKey);
    if (!derived || derived.sig !== sig || derived.cache !== cache || derived.unsure) {
      // A log read beside the learner row may be a moment older or newer than it (an answer in between): shown, and
      // kept as unsure, so the next view of this version reads the log after the row again.
      const attempts = await (log ?? learnerLog(this.deps.pool, key));
      derived = { sig, cache, attempts, history: masteryHistory(attempts, overrides, a.skills, cfg), mistakes: commonMistakes(attempts, a.skills), unsure: log !== null };
      this.derived.delete(cacheKey);
      if (this.derived.size >= DERIVED_MAX) this.derived.delete(this.derived.keys().next().value!);
      this.derived.set(cacheKey, derived);
    }
    const { attempts } = derived;
    let state: LearnerState | null = upgradeState(learner.state);
    // A state of an older engine: the replay of the log with the teacher's overrides applied at their time.
    if (!state) state = derived.history.state;
    const now = this.clock.now();
    const progress = progressOf(state, a, cache, now);
    const latest = latestBySkill(overrides);
    const tally = new Map<string, { answers: number; correct: number; hints: number; timeMs: number; lastAt: Date | null }>(a.skills.map((k) => [k, { answers: 0, correct: 0, hints: 0, timeMs: 0, lastAt: null }]));
    let lastAnswerAt: Date | null = null;
    for (const at of attempts) {
      if (at.kind === 'answer') lastAnswerAt = at.answeredAt;
      for (const k of new Set(at.skills)) {
        const t = tally.get(k);
        if (!t) continue;
        if (at.kind === 'answer') {
          t.answers += 1;
          if (at.correct) t.correct += 1;
          t.hints += at.hintsUsed;
        }
        t.timeMs += at.timeMs ?? 0;
        t.lastAt = at.answeredAt;
      }
    }
    const skills: SkillRow[] = progress.skills.map((p) => {
      const s = skillState(state, p.id, cfg);
      const t = tally.get(p.id)!;
      return {
        id: p.id, name: p.name, mastery: p.mastery, status: p.status, ...t, wrongStreak: s.wrongStreak, parked: s.parkedAt !== null && !s.mastered,
        marked: markedByTeacher(state.skills[p.id]), override: latest.get(p.id) ?? null,
      };
    });
    const resets = new Map<string, number>();
    for (const o of overrides) if (o.action === 'reset' && o.skillId) resets.set(o.skillId, Math.max(resets.get(o.skillId) ?? 0, o.at.getTime()));
    return {
      assignment: a, cache, userId, name: user.rows[0]?.name ?? null, locale: user.rows[0]?.locale ?? 'en', answered: learner.answered, progress, skills, attempts, overrides,
      history: derived.history,
      mistakes: derived.mistakes,
      plan: learner.current && !learner.current.finished ? learner.current : null,
      stopped: learner.current && !learner.current.finished ? null : stoppedReason(state, a, cache, now),
      excusal: excusal(overrides, lastAnswerAt),
      lastAnswerAt,
      resets,
    };
  }
}

/** Why the engine has no step for the student now, when that is something the teacher should know. */
function stoppedReason(state: LearnerState, a: Assignment, cache: PackEntry, now: number): StudentView['stopped'] {
  const step = nextStep(state, cache.bank, configOf(a, cache), createRng(1), now);
  if (step.kind !== 'done') return null;
  const code = step.reason.code;
  return code === 'practice_paused' || code === 'come_back_later' || code === 'no_items' ? { code, related: [...step.reason.related] } : null;
}
