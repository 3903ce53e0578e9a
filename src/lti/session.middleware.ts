import type { NextFunction, Request, Response } from 'express';
import type { Actor } from './actor.js';
import type { SessionTokens } from './session.js';
import { forbidden } from '../http/errors.js';
import type { AppRole } from './roles.js';

/**
 * Where a session token may come from: the Authorization header or a form field. Never the query string:
 * a URL ends up in histories, proxy logs and Referer headers (the launch lands with a one-time code).
 */
export function tokenFrom(req: Request): string | undefined {
  const h = req.get('authorization');
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body.ltik === 'string') return body.ltik;
  return undefined;
}

/** Seconds after which a page hands out a newly signed session token. */
export const REFRESH_AFTER_S = 60;

/**
 * Requires a valid session token, or on a landing GET (`?code=`, the launch redirect) a one-time landing
 * code that is exchanged for one; puts the Actor and a refreshed token in res.locals so every page carries
 * a fresh token onward (a sliding session without cookies, ending at the session's absolute end).
 */
export function requireSession(sessions: SessionTokens, ...roles: AppRole[]) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const token = tokenFrom(req);
      let actor: Actor;
      if (token === undefined && req.method === 'GET' && typeof req.query.code === 'string') {
        // The landing page: its URL holds a code that is spent now; keep it out of Referer headers too.
        res.setHeader('Referrer-Policy', 'no-referrer');
        res.setHeader('Cache-Control', 'no-store');
        const landed = await sessions.exchange(req.query.code);
        actor = landed.actor;
        res.locals.ltik = landed.token;
      } else {
        const v = await sessions.verifyWithAge(token ?? '');
        actor = v.actor;
        // Sliding session: a token older than a minute is replaced; a fresh one is carried on as is.
        res.locals.ltik = v.ageSeconds >= REFRESH_AFTER_S ? await sessions.issue(actor, v.launchedAt) : token;
      }
      if (roles.length && !roles.some((r) => actor.roles.includes(r))) throw forbidden('This page is for instructors of this course.');
      res.locals.actor = actor;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export const actorOf = (res: Response): Actor => res.locals.actor as Actor;
