import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import { outboxStates } from '../grades/outbox.repository.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics: process defaults, request latency by route pattern (never the raw URL: it may
 * hold ids or a session token), launches and answers, and the grade outbox by state (read at scrape).
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
        if (req.route?.path === '/lti/launch' && req.method === 'POST') this.launches.inc({ result: res.statusCode === 303 ? 'accepted' : res.statusCode === 200 ? 'storage_relay' : 'refused' });
        if (req.route?.path === '/practice/answer' && res.statusCode === 200) this.answers.inc({ correct: String(res.locals.answerCorrect ?? 'unknown') });
      });
      next();
    };
  }
}
