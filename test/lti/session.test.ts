import { expect } from 'chai';
import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import type { Actor } from '../../src/lti/actor.js';
import { SessionTokens } from '../../src/lti/session.js';

const actor: Actor = { tenantId: 't1', platformId: 'p1', userId: 'u1', roles: ['student'], role: 'student', locale: 'en', resourceLinkId: 'l1', frameOrigins: ['https://lms.example'] };

/** The session token is checked on every request; the verified-token cache must not weaken any check. */
describe('session tokens (ltik)', () => {
  const key = crypto.randomBytes(32);
  const sessions = () => new SessionTokens(key, 60, 'https://tool.example');
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return (err as { status?: number; message: string });
    }
    throw new Error('the token was accepted');
  };

  it('accepts its own token, again and again, with the actor it carries', async () => {
    const s = sessions();
    const token = await s.issue(actor);
    expect((await s.verifyWithAge(token)).actor).to.deep.equal(actor);
    expect((await s.verifyWithAge(token)).actor).to.deep.equal(actor);
  });

  it('refuses a token whose payload was edited after a valid one was used', async () => {
    const s = sessions();
    const token = await s.issue(actor);
    await s.verify(token);
    const [h, p, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.a.userId = 'someone-else';
    payload.a.roles = ['instructor'];
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), sig].join('.');
    expect((await refusal(s.verify(forged))).status).to.equal(401);
  });

  it('refuses a token signed with another key, an alg=none token and a truncated signature', async () => {
    const s = sessions();
    const token = await s.issue(actor);
    await s.verify(token);
    const other = await new SessionTokens(crypto.randomBytes(32), 60, 'https://tool.example').issue(actor);
    expect((await refusal(s.verify(other))).status).to.equal(401);
    const [, p] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'ltik' })).toString('base64url')}.${p}.`;
    expect((await refusal(s.verify(none))).status).to.equal(401);
    expect((await refusal(s.verify(token.slice(0, -2)))).status).to.equal(401);
  });

  it('refuses a token for another audience or issuer even with the right key', async () => {
    const s = sessions();
    const wrongAud = await new SignJWT({ a: actor }).setProtectedHeader({ alg: 'HS256', typ: 'ltik' }).setIssuer('https://tool.example').setAudience('other').setIssuedAt().setExpirationTime('5m').sign(key);
    const wrongIss = await new SignJWT({ a: actor }).setProtectedHeader({ alg: 'HS256', typ: 'ltik' }).setIssuer('https://evil.example').setAudience('mastery-session').setIssuedAt().setExpirationTime('5m').sign(key);
    expect((await refusal(s.verify(wrongAud))).status).to.equal(401);
    expect((await refusal(s.verify(wrongIss))).status).to.equal(401);
  });

  it('refuses a token once it has expired, even though it was verified (and remembered) before', async () => {
    const s = sessions();
    const token = await s.issue(actor);
    await s.verify(token);
    const realNow = Date.now;
    Date.now = () => realNow() + 61 * 60_000;
    try {
      const err = await refusal(s.verify(token));
      expect(err.status).to.equal(401);
      expect(err.message).to.match(/expired/);
    } finally {
      Date.now = realNow;
    }
  });

  it('tells the age of a token so pages re-sign only tokens older than a minute', async () => {
    const s = sessions();
    const token = await s.issue(actor);
    expect((await s.verifyWithAge(token)).ageSeconds).to.be.at.most(1);
    const realNow = Date.now;
    Date.now = () => realNow() + 90_000;
    try {
      expect((await s.verifyWithAge(token)).ageSeconds).to.be.within(89, 91);
    } finally {
      Date.now = realNow;
    }
  });

  it('never slides past the absolute end: a refresh near it gets only the time left, then both are refused', async () => {
    const s = new SessionTokens(key, 60, 'https://tool.example', { maxHours: 8 });
    const launchedAt = Date.now() - (7 * 60 + 50) * 60_000;
    const token = await s.issue(actor, launchedAt);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number };
    expect(exp).to.equal(Math.floor(launchedAt / 1000) + 8 * 3600);
    expect((await s.verifyWithAge(token)).launchedAt).to.equal(launchedAt);
    const realNow = Date.now;
    Date.now = () => realNow() + 11 * 60_000;
    try {
      expect((await refusal(s.verify(token))).status).to.equal(401);
      expect((await refusal(s.issue(actor, launchedAt))).status).to.equal(401);
    } finally {
      Date.now = realNow;
    }
  });

  it('refuses a token without a launch time (signed before absolute ends existed)', async () => {
    const s = sessions();
    const old = await new SignJWT({ a: actor }).setProtectedHeader({ alg: 'HS256', typ: 'ltik' }).setIssuer('https://tool.example').setAudience('mastery-session').setIssuedAt().setExpirationTime('5m').sign(key);
    expect((await refusal(s.verify(old))).status).to.equal(401);
  });

  describe('revocations read beside the requests', () => {
    /** A database whose revocation reads stay pending until the test answers them. */
    function fakeDb() {
      const reads: { answer: (rows: unknown[]) => void }[] = [];
      let dbNow = 1_700_000_000_000;
      const db = {
        query: () => new Promise<{ rows: unknown[] }>((resolve) => reads.push({ answer: (rows) => resolve({ rows: [{ now_ms: dbNow, kind: null, tenant_id: null, user_id: null, at: null }, ...rows] }) })),
      };
      return { db, reads, setDbNow: (ms: number) => (dbNow = ms) };
    }
    const settle = () => new Promise((r) => setTimeout(r, 20));
    /**
     * Lets the pending work run until `cond` holds (the signature check comes before the read). The check runs
     * on libuv's thread pool, so on a loaded machine it may take many event-loop turns: wait up to 10 s.
     */
    const until = async (cond: () => boolean) => {
      const end = Date.now() + 10_000;
      while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
      expect(cond()).to.equal(true);
    };

    it('waits for the first read, then checks against what it holds while a new read runs, and refuses once that read brings the removal', async () => {
      let now = 1_700_000_000_000;
      const f = fakeDb();
      const s = new SessionTokens(key, 60, 'https://tool.example', { db: f.db as never, revocationPollMs: 500, clock: { now: () => now } });
      const token = await s.issue(actor, now - 10_000);
      // The first use has nothing to check against: it waits for the read.
      let done = false;
      const first = s.verify(token).then(() => (done = true));
      await until(() => f.reads.length === 1);
      await settle();
      expect(done, 'answered before the first read').to.equal(false);
      f.reads[0].answer([]);
      await first;
      // A pollMs later a read starts, and requests do not wait for it (it stays pending here).
      now += 600;
      await s.verify(token);
      expect(f.reads).to.have.length(2);
      await s.verify(token);
      expect(f.reads, 'one read at a time').to.have.length(2);
      // The read brings the learner's removal: the next request is refused.
      f.reads[1].answer([{ now_ms: now, kind: 'user', tenant_id: actor.tenantId, user_id: actor.userId, at: now - 1_000 }]);
      await settle();
      expect((await refusal(s.verify(token))).status).to.equal(401);
    });

    it('waits for a read when what it holds is older than twice pollMs (an idle process, a read that failed)', async () => {
      let now = 1_700_000_000_000;
      const f = fakeDb();
      const s = new SessionTokens(key, 60, 'https://tool.example', { db: f.db as never, revocationPollMs: 500, clock: { now: () => now } });
      const token = await s.issue(actor, now - 10_000);
      const first = s.verify(token);
      await until(() => f.reads.length === 1);
      f.reads[0].answer([]);
      await first;
      now += 1_000;
      let done = false;
      const late = s.verify(token).then(() => (done = true));
      await until(() => f.reads.length === 2);
      await settle();
      expect(done, 'answered with revocations a second old').to.equal(false);
      f.reads[1].answer([{ now_ms: now, kind: 'tenant', tenant_id: actor.tenantId, user_id: null, at: now - 500 }]);
      expect((await refusal(late)).status).to.equal(401);
    });
  });
});
