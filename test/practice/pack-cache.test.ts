import { expect } from 'chai';
import { pino } from 'pino';
import type { Database } from '../../src/db/index.js';
import { loadDemoPack } from '../../src/content/content.files.js';
import { importPack } from '../../src/content/content.repository.js';
import { Catalog } from '../../src/content/catalog.js';
import { saveAssignment } from '../../src/assignments/assignment.repository.js';
import { AssignmentService } from '../../src/assignments/assignment.service.js';
import type { Actor } from '../../src/lti/actor.js';
import { freshDatabase } from '../helpers/db.js';

/** Content packs and assignments are cached per process and refreshed in the background, never on a request's path. */
describe('practice: content pack and assignment caches', function () {
  this.timeout(60_000);
  let db: Database;
  let clock = Date.now();
  let catalog: Catalog;
  let assignments: AssignmentService;
  const T = 'tenant-pack';
  before(async () => {
    db = await freshDatabase();
    await db.pool.query(`INSERT INTO platforms(id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url) VALUES ('p', 'P', 'https://lms.invalid', 'c', 'https://lms.invalid/a', 'https://lms.invalid/t', 'https://lms.invalid/j')`);
    await db.pool.query(`INSERT INTO tenants(id, platform_id, deployment_id) VALUES ($1, 'p', 'd1')`, [T]);
    catalog = new Catalog({ pool: db.pool, log: pino({ level: 'silent' }), clock: { now: () => clock } });
    assignments = new AssignmentService({ pool: db.pool, log: pino({ level: 'silent' }), catalog, clock: { now: () => clock } });
  });
  after(async () => {
    await db?.close();
  });

  const settle = async (entry: { checking?: Promise<void> }) => {
    await entry.checking;
  };

  it('keeps the parsed pack and its rendered items while the pack is unchanged, and picks up a re-import', async () => {
    const first = await catalog.pack(T, 'fractions');
    first.rendered.set('probe', 'kept');
    clock += 61_000;
    expect(await catalog.pack(T, 'fractions')).to.equal(first);
    await settle(first);
    const again = await catalog.pack(T, 'fractions');
    expect(again).to.equal(first);
    expect(again.rendered.get('probe')).to.equal('kept');

    const demo = await loadDemoPack();
    const changed = { ...demo, skills: demo.skills.map((s, i) => (i === 0 ? { ...s, name: 'Unit fractions (revised)' } : s)) };
    await importPack(db.pool, T, changed);
    expect((await catalog.pack(T, 'fractions')).skillNames.get(demo.skills[0].id)).to.equal(demo.skills[0].name);
    clock += 61_000;
    const stale = await catalog.pack(T, 'fractions');
    expect(stale).to.equal(first);
    await settle(stale);
    const fresh = await catalog.pack(T, 'fractions');
    expect(fresh).not.to.equal(first);
    expect(fresh.skillNames.get(demo.skills[0].id)).to.equal('Unit fractions (revised)');
    expect(fresh.rendered.size).to.equal(0);
  });

  it('serves a cached assignment while one background read refreshes it, then the new settings', async () => {
    const actor: Actor = { tenantId: T, platformId: 'p', userId: 'teacher', roles: ['instructor'], role: 'instructor', locale: 'en', resourceLinkId: 'link-a', frameOrigins: [] };
    const base = { tenantId: T, resourceLinkId: 'link-a', packId: 'fractions', skills: ['unit-fractions'], threshold: 0.9, targetSuccess: 0.75, allowChoice: true, points: 10, perSkillColumns: false, title: 'A' };
    await saveAssignment(db.pool, base, null);
    expect((await assignments.get(actor))?.threshold).to.equal(0.9);
    await saveAssignment(db.pool, { ...base, threshold: 0.8 }, null);
    expect((await assignments.get(actor))?.threshold).to.equal(0.9);
    clock += 6_000;
    const queries: string[] = [];
    const spy = (q: unknown) => {
      queries.push(String((q as { text?: string }).text ?? q));
    };
    const original = db.pool.query.bind(db.pool);
    (db.pool as unknown as { query: unknown }).query = (q: unknown, ...rest: unknown[]) => {
      spy(q);
      return (original as (...a: unknown[]) => unknown)(q, ...rest);
    };
    try {
      const during = await Promise.all(Array.from({ length: 20 }, () => assignments.get(actor)));
      expect(during.every((a) => a?.threshold === 0.9)).to.equal(true);
      expect(queries.filter((q) => q.includes('FROM assignments'))).to.have.length(1);
    } finally {
      (db.pool as unknown as { query: unknown }).query = original;
    }
    for (let i = 0; i < 50 && (await assignments.get(actor))?.threshold !== 0.8; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await assignments.get(actor))?.threshold).to.equal(0.8);
  });
});
