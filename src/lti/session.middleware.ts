import type { NextFunction, Request, Response } from 'express';
import type { Actor } from './actor.js';
import type { SessionTokens } from './session.js';
import { forbidden } from '../http/errors.js';
import type { AppRole } from './roles.js';

/** Where a session token may come from: the Authorization header, a form field, or (on landing) the query. */
export function tokenFrom(req: Request): string | undefined {
  const h = req.get('authorization');
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body.ltik === 'string') return body.ltik;
  if (typeof req.query.ltik === 'string') return req.query.ltik;
  return undefined;
}

/** Seconds after which a page hands out a newly signed session token. */
export const REFRESH_AFTER_S = 60;

/**
 * Requires a valid session token; puts the Actor and a refreshed token in res.locals so every page
 * carries a fresh token onward (a sliding session without cookies).
 */
export function requireSession(sessions: SessionTokens, ...roles: AppRole[]) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const token = tokenFrom(req) ?? '';
      const { actor, ageSeconds } = await sessions.verifyWithAge(token);
      if (roles.length && !roles.some((r) => actor.roles.includes(r))) throw forbidden('This page is for instructors of this course.');
      res.locals.actor = actor;
      // Sliding session: a token older than a minute is replaced; a fresh one is carried on as is.
      res.locals.ltik = ageSeconds >= REFRESH_AFTER_S ? await sessions.issue(actor) : token;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export const actorOf = (res: Response): Actor => res.locals.actor as Actor;
