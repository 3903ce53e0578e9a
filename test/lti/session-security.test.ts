import { expect } from 'chai';
import pg from 'pg';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/server.js';
import { loadSettings } from '../../src/settings.js';
import { freeLoopbackPort } from '../../src/db/index.js';
import { startTestServer, TEST_ADMIN_TOKEN } from '../helpers/server.js';
import { beginLaunch, launch, ltikOf, postLaunch } from '../helpers/launch.js';

const student = 'sandbox-student-1';

/** A second web process of the same tool: its own pool on the same database, the same public URL. */
async function secondInstance(a: RunningServer, env: Record<string, string> = {}): Promise<RunningServer> {
  const pool = new pg.Pool({ connectionString: a.db.url, max: 4 });
  pool.on('error', () => undefined);
  const settings = loadSettings({
    NODE_ENV: 'test', PORT: String(await freeLoopbackPort()), PUBLIC_URL: a.url, ADMIN_TOKEN: TEST_ADMIN_TOKEN, SANDBOX: '0', WORKER: 'off', DATA_DIR: '/tmp/mastery-test-data', ...env,
  });
  const b = await startServer(settings, pino({ level: process.env.TEST_LOG ?? 'silent' }), { db: { pool, url: a.db.url, close: () => pool.end() } });
  return { ...b, url: `http://127.0.0.1:${settings.port}` };
}

const page = (base: string, ltik: string, path = '/practice') =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ltik }).toString() });
const admin = (base: string, path: string, init: RequestInit = {}, token = TEST_ADMIN_TOKEN) =>
  fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits past the oldest revocations a process answers from (2 x REVOCATION_POLL_MS = 1 s). */
const afterPoll = () => sleep(1_200);

describe('session security (issue 12)', function () {
  this.timeout(60_000);

  describe('landing codes: no session token in any URL', () => {
    let srv: RunningServer;
    before(async () => {
      srv = await startTestServer();
    });
    after(async () => {
      await srv?.close();
    });

    it('the launch redirect carries a one-time code: a second use of the URL is refused', async () => {
      const l = await launch(srv, { user: student });
      expect(l.ltik.split('.')).to.have.length(3);
      const again = await fetch(l.location);
      expect(again.status).to.equal(401);
      expect(await again.text()).to.contain('expired or was already used');
      // The page it gave keeps working through its form field.
      expect((await page(srv.url, l.ltik)).status).to.equal(200);
    });

    it('an unused landing URL found after a few minutes (history, proxy log) is useless', async () => {
      const s = await beginLaunch(srv, { user: student });
      const res = await postLaunch(s.browser, { id_token: s.idToken, state: s.state });
      expect(res.status).to.equal(303);
      const location = new URL(res.headers.get('location')!, srv.url).toString();
      await srv.db.pool.query(`UPDATE session_codes SET created_at = created_at - interval '4 minutes'`);
      const late = await fetch(location);
      expect(late.status).to.equal(401);
      expect(await late.text()).not.to.contain('name="ltik"');
    });

    it('a session token in the query string is not accepted', async () => {
      const l = await launch(srv, { user: student });
      const res = await fetch(`${srv.url}/practice?ltik=${encodeURIComponent(l.ltik)}`);
      expect(res.status).to.equal(401);
      expect((await fetch(`${srv.url}/practice`, { headers: { authorization: `Bearer ${l.ltik}` } })).status).to.equal(200);
    });

    it('instructor pages carry the token only in form fields and headers, never in a link', async () => {
      const l = await launch(srv, { user: 'sandbox-teacher-1' });
      expect(l.html).not.to.match(/(href|action|formaction|src)="[^"]*(ltik|code)=/);
      const items = await page(srv.url, l.ltik, '/dashboard/items');
      const html = await items.text();
      expect(items.status).to.equal(200);
      expect(html).not.to.match(/(href|action|formaction|src)="[^"]*ltik=/);
      const csv = await page(srv.url, ltikOf(l.html)!, '/dashboard/export.csv');
      expect(csv.status).to.equal(200);
      expect(csv.headers.get('content-type')).to.match(/text\/csv/);
    });
  });

  describe('absolute lifetime', () => {
    let srv: RunningServer;
    before(async () => {
      srv = await startTestServer({ SESSION_MAX_HOURS: '8', SESSION_MINUTES: '120' });
    });
    after(async () => {
      await srv?.close();
    });

    it('ends 8 hours after the launch however often the session was refreshed', async () => {
      const l = await launch(srv, { user: student });
      const realNow = Date.now;
      const at = (minutes: number) => {
        const t = realNow() + minutes * 60_000;
        Date.now = () => t;
      };
      try {
        // A page every 100 minutes: each hands out a refreshed token, each within its 120 minutes.
        let ltik = l.ltik;
        for (const minutes of [100, 200, 300, 400, 470]) {
          at(minutes);
          const res = await page(srv.url, ltik);
          expect(res.status, `at ${minutes} min`).to.equal(200);
          const next = ltikOf(await res.text())!;
          expect(next).not.to.equal(ltik);
          ltik = next;
        }
        // The last token was issued at 7 h 50 and would slide to 9 h 50, but the session ends at 8 h.
        const exp = JSON.parse(Buffer.from(ltik.split('.')[1], 'base64url').toString()).exp as number;
        expect(exp * 1000 - realNow()).to.be.at.most(8 * 3_600_000 + 5_000);
        at(8 * 60 + 1);
        const res = await page(srv.url, ltik);
        expect(res.status).to.equal(401);
        expect(await res.text()).to.contain('expired');
      } finally {
        Date.now = realNow;
      }
    });
  });

  describe('revocation across web processes', () => {
    let a: RunningServer;
    let b: RunningServer;
    before(async () => {
      a = await startTestServer();
      b = await secondInstance(a);
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    it('refuses a deleted learner in every process, and lets them launch again', async () => {
      const l = await launch(a, { user: 'sandbox-student-2' });
      expect((await page(b.url, l.ltik)).status).to.equal(200);
      const actor = await a.services.sessions.verify(l.ltik);
      const del = await admin(b.url, `/admin/api/tenants/${encodeURIComponent(actor.tenantId)}/users/${encodeURIComponent(actor.userId)}`, { method: 'DELETE' });
      expect(del.status).to.equal(200);
      await afterPoll();
      for (const base of [a.url, b.url]) {
        const res = await page(base, l.ltik);
        expect(res.status, base).to.equal(401);
        expect(await res.text()).to.contain('session has ended');
      }
      // Another learner of the course is not affected; a new launch of the deleted one works.
      const other = await launch(a, { user: 'sandbox-student-3' });
      expect((await page(b.url, other.ltik)).status).to.equal(200);
      const back = await launch(a, { user: 'sandbox-student-2' });
      expect((await page(b.url, back.ltik)).status).to.equal(200);
    });

    it('refuses sessions of a deleted platform (its deployments with it), in every process, and its pending landing codes', async () => {
      const student1 = await launch(a, { user: student });
      const platform = a.services.sandbox!.platform;
      // A landing code handed out before the removal but not used yet is refused too.
      const s = await beginLaunch(a, { user: 'sandbox-student-4' });
      const pending = new URL((await postLaunch(s.browser, { id_token: s.idToken, state: s.state })).headers.get('location')!, a.url).toString();
      const del = await admin(b.url, `/admin/api/platforms/${platform.id}`, { method: 'DELETE' });
      expect(del.status).to.equal(204);
      await afterPoll();
      for (const base of [a.url, b.url]) {
        const res = await page(base, student1.ltik);
        expect(res.status, base).to.equal(401);
      }
      expect((await fetch(pending)).status).to.equal(401);
    });
  });

  describe('rate limits shared by two web processes', () => {
    let a: RunningServer;
    let b: RunningServer;
    const env = { RATE_EXEMPT_LOOPBACK: '0', RATE_LOGINS_PER_IP: '5', RATE_LOGINS_PER_PLATFORM: '8', RATE_ANSWERS_PER_STUDENT: '3', RATE_ADMIN_FAILURES: '3' };
    before(async () => {
      a = await startTestServer(env);
      b = await secondInstance(a, env);
    });
    after(async () => {
      await b?.close();
      await a?.close();
    });

    it('limits answers per student across both processes: 429 with Retry-After and a page in their language', async () => {
      const l = await launch(a, { user: student, custom: { skills: 'unit-fractions' } });
      const answer = (base: string) =>
        fetch(`${base}/practice/answer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ltik: l.ltik, response: '1' }).toString() });
      const statuses = [];
      for (const base of [a.url, b.url, a.url]) statuses.push((await answer(base)).status);
      expect(statuses).not.to.include(429);
      const refused = await answer(b.url);
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
      const html = await refused.text();
      expect(html).to.contain('answering faster');
      expect((await answer(a.url)).status).to.equal(429);
      // Another student is not affected.
      const other = await launch(a, { user: 'sandbox-student-2' });
      const theirs = await fetch(`${b.url}/practice/answer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ltik: other.ltik, response: '1' }).toString() });
      expect(theirs.status).not.to.equal(429);
    });

    it('limits OIDC logins per client IP across both processes', async () => {
      const ip = '198.51.100.7';
      const login = (base: string) => fetch(`${base}/lti/login?iss=x`, { headers: { 'x-forwarded-for': ip, 'accept-language': 'es' }, redirect: 'manual' });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await login(i % 2 ? b.url : a.url)).status);
      expect(statuses).to.deep.equal([400, 400, 400, 400, 400]);
      const refused = await login(b.url);
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
      expect(await refused.text()).to.contain('Más despacio');
      // Another address is not affected.
      expect((await fetch(`${a.url}/lti/login?iss=x`, { headers: { 'x-forwarded-for': '198.51.100.8' } })).status).to.equal(400);
    });

    it('limits OIDC logins per platform across both processes, before any login row is written', async () => {
      const url = new URL(await a.services.sandbox!.loginUrl({ user: student }));
      const rows = async () => Number((await a.db.pool.query('SELECT count(*) AS n FROM lti_logins')).rows[0].n);
      const before = await rows();
      const statuses: number[] = [];
      // Two logins of this platform were spent by the launches above; each of these comes from its own address.
      for (let i = 0; i < 7; i++) {
        const base = i % 2 ? b.url : a.url;
        const res = await fetch(`${base}/lti/login${url.search}`, { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` }, redirect: 'manual' });
        statuses.push(res.status);
      }
      expect(statuses).to.deep.equal([302, 302, 302, 302, 302, 302, 429]);
      expect(await rows()).to.equal(before + 6);
    });

    it('slows an admin-token brute force: 429 after a few failures, in both processes, doubling', async () => {
      const wrong = (base: string) => admin(base, '/admin/api/platforms', {}, 'wrong-token-0123456789');
      expect((await wrong(a.url)).status).to.equal(401);
      expect((await wrong(b.url)).status).to.equal(401);
      expect((await wrong(a.url)).status).to.equal(401);
      const first = await wrong(b.url);
      expect(first.status).to.equal(429);
      expect(first.headers.get('retry-after')).to.equal('1');
      const body = (await first.json()) as { error: string };
      expect(body.error).to.equal('rate_limited');
      // While locked out even the right token is refused, in the other process too.
      const locked = await admin(a.url, '/admin/api/platforms');
      expect(locked.status).to.equal(429);
      await sleep(1_100);
      expect((await admin(a.url, '/admin/api/platforms')).status).to.equal(200);
      const second = await wrong(a.url);
      expect(second.status).to.equal(429);
      expect(second.headers.get('retry-after')).to.equal('2');
      const third = await sleep(2_100).then(() => wrong(b.url));
      expect(third.headers.get('retry-after')).to.equal('4');
    });
  });
});
