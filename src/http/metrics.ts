import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import { outboxStates } from '../grades/outbox.repository.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The counters a route may declare that its responses count (besides every request's duration). */
export type Counted = 'launches' | 'answers';

/**
 * Route middleware: this route's responses count as `what`. A launch counts as accepted (303), handed to
 * the platform-storage relay (200) or refused (anything else); an answer counts when its route says how
 * it was graded (`countAnswer`). Put it first in the route's chain, so a refusal by a later step counts too.
 */
export function counts(what: Counted) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.locals.counted = what;
    next();
  };
}

/**
 * Declares a graded answer (right or wrong) for the answers counter. The answer route writes
 * `res.locals.answerCorrect` itself today; a response of a route without the declaration is not an answer.
 */
export function countAnswer(res: Response, correct: boolean): void {
  res.locals.answerCorrect = correct;
}

const launchResult = (status: number) => (status === 303 ? 'accepted' : status === 200 ? 'storage_relay' : 'refused');

/**
 * Prometheus metrics: process defaults, request latency by route pattern (never the raw URL: it may
 * hold ids or a session token), launches and answers as their routes declare them (`counts`,
 * `countAnswer`: no path is known here), and the grade outbox by state (read at scrape).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Histogram<'method' | 'route' | 'status'>;
  readonly launches: Counter<'result'>;
  readonly answers: Counter<'correct'>;

  constructor(pool: pg.Pool) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mastery_' });
    this.requests = new Histogram({
      name: 'mastery_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.launches = new Counter({ name: 'mastery_lti_launches_total', help: 'LTI launches by result', labelNames: ['result'], registers: [this.registry] });
    this.answers = new Counter({ name: 'mastery_answers_total', help: 'Graded answers', labelNames: ['correct'], registers: [this.registry] });
    new Gauge({
      name: 'mastery_grade_outbox',
      help: 'Scores in the grade outbox by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await outboxStates(pool).catch(() => [])) this.set({ state: r.state }, r.n);
      },
    });
  }

  /** Times every request; the label is the matched route pattern (or "unmatched"). */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const end = this.requests.startTimer();
      res.on('finish', () => {
        const route = (req.route?.path as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'other');
        end({ method: req.method, route: String(route), status: String(res.statusCode) });
        if (res.locals.counted === 'launches') this.launches.inc({ result: launchResult(res.statusCode) });
        const correct: unknown = res.locals.answerCorrect;
        if (res.statusCode === 200 && typeof correct === 'boolean') this.answers.inc({ correct: String(correct) });
      });
      next();
    };
  }
}
