import express, { type Router } from 'express';
import type { SessionTokens } from './lti/session.js';
import { actorOf, requireSession } from './lti/session.middleware.js';

/**
 * Landing pages after a launch: who you are, which course and resource link. The practice loop
 * (issue 5) and the instructor dashboard replace the bodies of these pages as they land.
 */
export function homeRoutes(deps: { sessions: SessionTokens }): Router {
  const r = express.Router();
  r.get('/practice', requireSession(deps.sessions), (_req, res) => {
    res.render('home/landing', { title: 'Practice', face: 'student', actor: actorOf(res) });
  });
  r.get('/dashboard', requireSession(deps.sessions, 'instructor', 'admin'), (_req, res) => {
    res.render('home/landing', { title: 'Instructor', face: 'instructor', actor: actorOf(res) });
  });
  return r;
}
