/**
 * Spaced review of mastered skills with FSRS (ts-fsrs; Ye, Su & Cao 2022). A mastered skill gets a card;
 * every later answer on it is a review graded from the answer; the card says when the next review is due
 * and how likely the skill is still retrievable, which the learner model uses to decay P(known) over time
 * (BKT itself has no clock).
 *
 * Cards are stored as plain JSON (times in ms since the epoch) so the learner state stays serialisable.
 */
import { type Card, type FSRS, Rating, State, computeDecayFactor, createEmptyCard, fsrs } from 'ts-fsrs';

/** An FSRS card as plain JSON. Field meanings are ts-fsrs's. */
export interface ReviewCard {
  due: number;
  stability: number;
  difficulty: number;
  elapsed_days: number;
  scheduled_days: number;
  learning_steps: number;
  reps: number;
  lapses: number;
  state: number;
  last_review: number | null;
}

/** How a review went, mapped from an answer. */
export type ReviewGrade = 'again' | 'hard' | 'good';

const schedulers = new Map<number, FSRS>();
const curves = new Map<number, { decay: number; factor: number }>();

/**
 * The scheduler for a target retention. Fuzz is off (reproducible dates) and short-term steps are off: the
 * skill was just practised to mastery, so the first review is days away, not minutes.
 */
function scheduler(requestRetention: number): FSRS {
  let f = schedulers.get(requestRetention);
  if (!f) {
    f = fsrs({ request_retention: requestRetention, enable_fuzz: false, enable_short_term: false });
    schedulers.set(requestRetention, f);
  }
  return f;
}

function toCard(c: ReviewCard): Card {
  const card: Card = {
    due: new Date(c.due), stability: c.stability, difficulty: c.difficulty, elapsed_days: c.elapsed_days,
    scheduled_days: c.scheduled_days, learning_steps: c.learning_steps, reps: c.reps, lapses: c.lapses,
    state: c.state as State,
  };
  if (c.last_review !== null) card.last_review = new Date(c.last_review);
  return card;
}

function fromCard(c: Card): ReviewCard {
  return {
    due: c.due.getTime(), stability: c.stability, difficulty: c.difficulty, elapsed_days: c.elapsed_days,
    scheduled_days: c.scheduled_days, learning_steps: c.learning_steps, reps: c.reps, lapses: c.lapses,
    state: c.state, last_review: c.last_review ? c.last_review.getTime() : null,
  };
}

const RATING: Record<ReviewGrade, Rating.Again | Rating.Hard | Rating.Good> = {
  again: Rating.Again, hard: Rating.Hard, good: Rating.Good,
};

/** The card of a skill mastered at `at`: reaching mastery counts as the first successful review. */
export function startReview(at: number, requestRetention = 0.9): ReviewCard {
  const f = scheduler(requestRetention);
  return fromCard(f.next(createEmptyCard(new Date(at)), new Date(at), Rating.Good).card);
}

/**
 * Record a review at `at` with its grade; returns the rescheduled card. A time before the card's last
 * review (clock skew, a log merged out of order) is taken as the last review time, since FSRS refuses
 * negative elapsed time.
 */
export function recordReview(card: ReviewCard, at: number, grade: ReviewGrade, requestRetention = 0.9): ReviewCard {
  const when = Math.max(at, card.last_review ?? at);
  return fromCard(scheduler(requestRetention).next(toCard(card), new Date(when), RATING[grade]).card);
}

/** Grade rule: unaided correct = good, correct with hints (or partial credit) = hard, wrong = again. */
export function reviewGrade(correct: boolean, hintsUsed: number, score?: number): ReviewGrade {
  if (!correct) return 'again';
  return hintsUsed > 0 || (score !== undefined && score < 1) ? 'hard' : 'good';
}

/** Whether the skill's review is due at `now`. */
export function isReviewDue(card: ReviewCard, now: number): boolean {
  return card.due <= now;
}

/**
 * FSRS retrievability R(now) in (0, 1]: the modelled chance the skill is still remembered, from the FSRS
 * forgetting curve R = (1 + factor · t / S)^decay with fractional elapsed days t (ts-fsrs's curve, without its
 * rounding; called per candidate item, so it builds no Dates).
 */
export function retrievability(card: ReviewCard, now: number, requestRetention = 0.9): number {
  const last = card.last_review ?? now;
  if (now <= last || !(card.stability > 0)) return 1;
  let c = curves.get(requestRetention);
  if (!c) curves.set(requestRetention, (c = computeDecayFactor(scheduler(requestRetention).parameters.w)));
  return Math.pow(1 + (c.factor * (now - last)) / 86_400_000 / card.stability, c.decay);
}
