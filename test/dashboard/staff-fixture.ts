import type { Express } from 'express';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import type { Database } from '../../src/db/index.js';
import { replay, type Attempt } from '../../src/engine/index.js';
import type { Actor } from '../../src/lti/actor.js';
import type { AppRole } from '../../src/lti/roles.js';
import { configOf } from '../../src/practice/progress.js';
import { buildServices, type Services } from '../../src/services.js';
import { loadSettings } from '../../src/settings.js';
import { freshDatabase } from '../helpers/db.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';

/**
 * The instructor pages' test world (item analysis, groups, reports): one app over a fresh database, two
 * tenants, and in tenant t1 two courses. Course A (link-a) and the other tenant's link of the SAME ids
 * (t2/link-a) both have a fractions assignment; sessions are minted directly for any actor.
 */
export const SKILLS = ['unit-fractions', 'equivalent-fractions', 'simplest-form', 'comparing-fractions'];

export interface StaffWorld {
  app: Express;
  db: Database;
  services: Services;
  /** A session token for a role in a course (defaults: tenant t1, course A). */
  token(role: 'teacher' | 'ta' | 'student' | 'other-course' | 'other-tenant', over?: Partial<Actor>): Promise<string>;
  /** Records first tries (and replays the engine so learner_states match them). */
  answers(tenantId: string, link: string, rows: { user: string; item: string; correct: boolean; choice?: string; timeMs?: number; at?: Date; tryNumber?: number }[]): Promise<void>;
  close(): Promise<void>;
}

export function actorFor(role: 'teacher' | 'ta' | 'student' | 'other-course' | 'other-tenant', over: Partial<Actor> = {}): Actor {
  const roles: AppRole[] = role === 'student' ? ['student'] : ['instructor'];
  const base: Actor = {
    tenantId: role === 'other-tenant' ? 't2' : 't1', platformId: 'p', userId: `${role}-1`, roles, role: roles[0], name: `The ${role}`, locale: 'en',
    contextId: role === 'other-course' ? 'course-b' : 'course-a', contextTitle: 'Grade 5', resourceLinkId: role === 'other-course' ? 'link-b' : 'link-a',
    resourceLinkTitle: 'Fractions practice', frameOrigins: [],
  };
  return { ...base, ...over };
}

export async function staffWorld(): Promise<StaffWorld> {
  const db = await freshDatabase();
  const settings = loadSettings({ NODE_ENV: 'test', SANDBOX: '0', SESSION_MINUTES: '60', ADMIN_TOKEN: TEST_ADMIN_TOKEN });
  const services = await buildServices({ settings, pool: db.pool, log: pino({ level: 'silent' }), publicUrl: 'http://127.0.0.1', adminToken: TEST_ADMIN_TOKEN });
  const app = createApp({ services });
  const q = (sql: string, v: unknown[] = []) => db.pool.query(sql, v);
  await q(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url) VALUES ('p', 'P', 'https://lms', 'c', 'https://lms/a', 'https://lms/t', 'https://lms/k')`);
  await q(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ('t1', 'p', 'd1'), ('t2', 'p', 'd2')`);
  for (const [t, link] of [['t1', 'link-a'], ['t1', 'link-b'], ['t2', 'link-a']]) {
    await services.catalog.seedDemo(t);
    await q(`INSERT INTO assignments (tenant_id, resource_link_id, pack_id, skills, threshold) VALUES ($1, $2, 'fractions', $3, 0.85)`, [t, link, SKILLS]);
  }
  for (const role of ['teacher', 'ta', 'student', 'other-course', 'other-tenant'] as const) {
    const a = actorFor(role);
    await q(`INSERT INTO users (tenant_id, id, name) VALUES ($1, $2, $3)`, [a.tenantId, a.userId, a.name]);
  }
  let sub = 0;
  const world: StaffWorld = {
    app, db, services,
    token: (role, over) => services.sessions.issue(actorFor(role, over)),
    async answers(tenantId, link, rows) {
      const entry = await services.catalog.pack(tenantId, 'fractions');
      const a = (await services.assignments.get(actorFor('teacher', { tenantId, resourceLinkId: link })))!;
      const byUser = new Map<string, Attempt[]>();
      let clock = Date.UTC(2026, 9, 5, 9);
      for (const r of rows) {
        const item = entry.items.get(r.item);
        if (!item) throw new Error(`no item ${r.item}`);
        const at = r.at ?? new Date((clock += 60_000));
        await q(`INSERT INTO users (tenant_id, id, name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [tenantId, r.user, `Student ${r.user}`]);
        await q(
          `INSERT INTO attempts (tenant_id, resource_link_id, user_id, pack_id, item_id, skills, kind, try_number, counted, response, correct, score, time_ms, submission_id, result, answered_at)
           VALUES ($1, $2, $3, 'fractions', $4, $5, 'answer', $6, $7, $8, $9, $10, $11, $12, '{}', $13)`,
          [tenantId, link, r.user, r.item, item.skills, r.tryNumber ?? 1, (r.tryNumber ?? 1) === 1, JSON.stringify(r.choice ? [r.choice] : 'x'), r.correct, r.correct ? 1 : 0, r.timeMs ?? 5000, `s${++sub}`, at],
        );
        if ((r.tryNumber ?? 1) === 1) {
          const list = byUser.get(r.user) ?? [];
          list.push({ itemId: r.item, skills: item.skills, correct: r.correct, hintsUsed: 0, at: at.getTime() });
          byUser.set(r.user, list);
        }
      }
      for (const [user, log] of byUser) {
        const all = (await q(`SELECT item_id, skills, correct, answered_at FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND counted ORDER BY answered_at, id`, [tenantId, link, user])).rows;
        const state = replay(all.map((x) => ({ itemId: x.item_id, skills: x.skills, correct: x.correct, hintsUsed: 0, at: x.answered_at.getTime() })), configOf(a, entry));
        await q(
          `INSERT INTO learner_states (tenant_id, resource_link_id, user_id, state, answered) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, resource_link_id, user_id) DO UPDATE SET state = EXCLUDED.state, answered = EXCLUDED.answered`,
          [tenantId, link, user, JSON.stringify(state), all.length],
        );
        void log;
      }
    },
    async close() {
      services.close();
      await db.close();
    },
  };
  return world;
}
