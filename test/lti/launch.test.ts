import { expect } from 'chai';
import crypto from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import type { RunningServer } from '../../src/server.js';
import { CLAIM } from '../../src/lti/claims.js';
import { DEMO_USERS } from '../../src/sandbox/demo.js';
import { SANDBOX_CLIENT_ID } from '../../src/sandbox/platform.js';
import { startTestServer } from '../helpers/server.js';
import { beginLaunch, launch, postLaunch, dataAttr, type LaunchStart } from '../helpers/launch.js';

const student = 'sandbox-student-1';
const teacher = 'sandbox-teacher-1';

describe('LTI 1.3 launch', function () {
  let srv: RunningServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv?.close();
  });

  const count = async (table: string) => Number((await srv.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  describe('valid launches', () => {
    for (const flavor of ['canvas', 'moodle', 'schoology'] as const) {
      for (const storage of [false, true]) {
        const mode = storage ? 'platform storage' : 'cookie';
        it(`lands a ${flavor}-shaped learner launch on the student page (${mode})`, async () => {
          const l = await launch(srv, { user: student, flavor, storage });
          expect(new URL(l.location).pathname).to.equal('/practice');
          expect(l.landing.status).to.equal(200);
          const html = l.html;
          expect(html).to.contain('data-testid="role">student');
          expect(html).to.contain('Grade 5 Math (demo)');
          expect(html).to.contain('Fractions practice');
        });
        it(`lands a ${flavor}-shaped instructor launch on the instructor page (${mode})`, async () => {
          const l = await launch(srv, { user: teacher, flavor, storage });
          expect(new URL(l.location).pathname).to.equal('/dashboard');
          expect(l.html).to.contain('data-testid="role">instructor');
        });
      }
    }

    it('maps a teaching assistant to the instructor page', async () => {
      const l = await launch(srv, { user: 'sandbox-ta-1' });
      expect(new URL(l.location).pathname).to.equal('/dashboard');
    });

    it('asks the browser for platform storage when the cookie did not come back', async () => {
      const s = await beginLaunch(srv, { user: student, storage: true });
      s.browser.cookies.clear();
      const relay = await postLaunch(s.browser, { id_token: s.idToken, state: s.state });
      expect(relay.status).to.equal(200);
      const html = await relay.text();
      expect(dataAttr(html, 'mode')).to.equal('launch');
      expect(html).not.to.contain(s.storageSecret!);
      const done = await postLaunch(s.browser, { id_token: s.idToken, state: s.state, lti_storage_secret: s.storageSecret! });
      expect(done.status).to.equal(303);
    });

    it('records the user, course and resource link with their service URLs', async () => {
      await launch(srv, { user: 'sandbox-student-3' });
      const { rows } = await srv.db.pool.query(`SELECT * FROM resource_links WHERE id = 'demo-link-fractions'`);
      expect(rows[0].ags_scopes).to.include('https://purl.imsglobal.org/spec/lti-ags/scope/score');
      const ctx = await srv.db.pool.query(`SELECT nrps_url, lineitems_url FROM contexts`);
      expect(ctx.rows[0].nrps_url).to.match(/memberships$/);
      const u = await srv.db.pool.query(`SELECT * FROM users WHERE id = 'sandbox-student-3'`);
      expect(u.rows[0].tenant_id).to.be.a('string').and.not.empty;
    });

    it('never puts the session token or the id_token in the landing URL: only a one-time code', async () => {
      const l = await launch(srv, { user: student });
      expect(l.ltik.split('.')).to.have.length(3);
      expect(l.location).not.to.contain(l.ltik);
      expect([...new URL(l.location).searchParams.keys()]).to.deep.equal(['code']);
      expect(l.landing.headers.get('referrer-policy')).to.equal('no-referrer');
      expect(l.landing.headers.get('cache-control')).to.equal('no-store');
    });
  });

  describe('forged and broken launches are refused and write nothing', () => {
    let attacker: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };
    before(async () => {
      const kp = await generateKeyPair('RS256', { extractable: true });
      attacker = { privateKey: kp.privateKey as CryptoKey, publicJwk: { ...(await exportJWK(kp.publicKey)), kid: 'attacker', alg: 'RS256' } };
    });

    const claimsFor = (s: LaunchStart, overrides: Record<string, unknown> = {}, user = student): JWTPayload => {
      const u = DEMO_USERS.find((x) => x.id === user)!;
      const c = srv.services.sandbox!.launchClaims(u, 'demo-link-fractions', 'canvas', s.nonce);
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete c[k];
        else c[k] = v;
      }
      return c;
    };

    async function expectRefused(res: Response, code: string | RegExp): Promise<void> {
      const body = await res.text();
      expect(res.status, body.slice(0, 300)).to.be.within(400, 499);
      expect(res.headers.get('content-type')).to.match(/text\/html/);
      expect(body).not.to.match(/at .*\.ts:\d+/);
      if (typeof code === 'string') expect(body).to.contain(code);
      else expect(body).to.match(code);
    }

    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

    const cases: Array<{ name: string; code: string | RegExp; build: (s: LaunchStart) => Promise<Record<string, string>> }> = [
      {
        name: 'alg none',
        code: 'launch_refused.alg',
        build: async (s) => ({ id_token: `${b64({ alg: 'none', kid: srv.services.sandbox!.kid })}.${b64({ ...claimsFor(s), iss: srv.services.sandbox!.issuer, aud: SANDBOX_CLIENT_ID, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })}.`, state: s.state }),
      },
      {
        name: 'HS256 signed with the platform public key',
        code: 'launch_refused.alg',
        build: async (s) => {
          const pem = JSON.stringify(srv.services.sandbox!.jwks().keys[0]);
          return { id_token: await srv.services.sandbox!.signIdToken(claimsFor(s), { alg: 'HS256', key: Buffer.from(pem) }), state: s.state };
        },
      },
      { name: 'an unknown kid', code: 'launch_refused.kid', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s), { kid: 'no-such-kid' }), state: s.state }) },
      { name: 'the right kid but the wrong key', code: 'launch_refused.signature', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s), { key: attacker.privateKey }), state: s.state }) },
      {
        name: 'a jwk header carrying the attacker key',
        code: /launch_refused\.(signature|kid)/,
        build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s), { key: attacker.privateKey, header: { jwk: attacker.publicJwk } }), state: s.state }),
      },
      {
        name: 'a jku header pointing at the attacker key set',
        code: /launch_refused\.(signature|kid)/,
        build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s), { key: attacker.privateKey, kid: 'attacker', header: { jku: 'https://attacker.example/jwks' } }), state: s.state }),
      },
      {
        name: 'a tampered payload',
        code: 'launch_refused.signature',
        build: async (s) => {
          const [h, p, sig] = (await srv.services.sandbox!.signIdToken(claimsFor(s))).split('.');
          const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
          payload.sub = 'sandbox-teacher-1';
          payload[CLAIM.roles] = ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'];
          return { id_token: `${h}.${b64(payload)}.${sig}`, state: s.state };
        },
      },
      { name: 'an unregistered issuer', code: 'launch_refused.iss', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { iss: 'https://evil.example' })), state: s.state }) },
      { name: 'a wrong audience', code: 'launch_refused.aud', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { aud: 'another-tool' })), state: s.state }) },
      { name: 'several audiences without azp', code: 'launch_refused.azp', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { aud: [SANDBOX_CLIENT_ID, 'another-tool'] })), state: s.state }) },
      {
        name: 'several audiences with azp but an untrusted one',
        code: 'launch_refused.aud',
        build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { aud: [SANDBOX_CLIENT_ID, 'another-tool'], azp: SANDBOX_CLIENT_ID })), state: s.state }),
      },
      { name: 'an unregistered deployment', code: 'launch_refused.deployment', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { [CLAIM.deploymentId]: 'rogue-deployment' })), state: s.state }) },
      {
        name: 'an expired token',
        code: 'launch_refused.expired',
        build: async (s) => {
          const now = Math.floor(Date.now() / 1000);
          return { id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { iat: now - 400, exp: now - 300 })), state: s.state };
        },
      },
      {
        name: 'a token issued in the future',
        code: 'launch_refused.iat_future',
        build: async (s) => {
          const now = Math.floor(Date.now() / 1000);
          return { id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { iat: now + 3600, exp: now + 7200 })), state: s.state };
        },
      },
      { name: 'a nonce other than the login’s', code: 'launch_refused.nonce', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { nonce: crypto.randomBytes(16).toString('hex') })), state: s.state }) },
      {
        name: 'a state other than the login’s',
        code: /launch_refused\.state_(unbound|unknown)/,
        build: async (s) => {
          const other = await beginLaunch(srv, { user: student });
          return { id_token: s.idToken, state: other.state };
        },
      },
      { name: 'an unknown state', code: 'launch_refused.state_unknown', build: async (s) => ({ id_token: s.idToken, state: crypto.randomBytes(24).toString('base64url') }) },
      { name: 'no state at all', code: 'launch_refused.state_missing', build: async (s) => ({ id_token: s.idToken }) },
      {
        name: 'a target_link_uri other than the login’s',
        code: 'launch_refused.target_link_uri',
        build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { [CLAIM.targetLinkUri]: `${srv.url}/lti/launch?x=1` })), state: s.state }),
      },
      { name: 'a wrong message_type', code: 'launch_refused.message_type', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { [CLAIM.messageType]: 'LtiSomethingElse' })), state: s.state }) },
      { name: 'a wrong version', code: 'launch_refused.version', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { [CLAIM.version]: '1.1' })), state: s.state }) },
      { name: 'a resource-link launch without resource_link', code: 'launch_refused.resource_link', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { [CLAIM.resourceLink]: undefined })), state: s.state }) },
      { name: 'a launch without roles', code: 'launch_refused.roles', build: async (s) => ({ id_token: await srv.services.sandbox!.signIdToken(claimsFor(s, { [CLAIM.roles]: undefined })), state: s.state }) },
      { name: 'a garbage token', code: 'launch_refused.token_malformed', build: async (s) => ({ id_token: 'this is not a jwt', state: s.state }) },
      { name: 'a 1 MB token', code: /too large/, build: async (s) => ({ id_token: 'a'.repeat(1024 * 1024), state: s.state }) },
    ];

    for (const c of cases) {
      it(`refuses ${c.name}`, async () => {
        const s = await beginLaunch(srv, { user: 'sandbox-student-4' });
        const before = [await count('users'), await count('contexts'), await count('resource_links')];
        const res = await postLaunch(s.browser, await c.build(s));
        await expectRefused(res, c.code);
        expect([await count('users'), await count('contexts'), await count('resource_links')]).to.deep.equal(before);
        const who = await srv.db.pool.query(`SELECT 1 FROM users WHERE id = 'sandbox-student-4'`);
        expect(who.rowCount).to.equal(0);
      });
    }

    it('refuses a replayed id_token', async () => {
      const s = await beginLaunch(srv, { user: student });
      const first = await postLaunch(s.browser, { id_token: s.idToken, state: s.state });
      expect(first.status).to.equal(303);
      await expectRefused(await postLaunch(s.browser, { id_token: s.idToken, state: s.state }), 'launch_refused.replayed');
    });

    it('refuses a launch from another browser (the login cookie is missing)', async () => {
      const s = await beginLaunch(srv, { user: student });
      s.browser.cookies.clear();
      await expectRefused(await postLaunch(s.browser, { id_token: s.idToken, state: s.state }), 'launch_refused.state_unbound');
    });

    it('refuses a platform-storage launch with a wrong storage secret', async () => {
      const s = await beginLaunch(srv, { user: student, storage: true });
      s.browser.cookies.clear();
      await expectRefused(await postLaunch(s.browser, { id_token: s.idToken, state: s.state, lti_storage_secret: 'guess' }), 'launch_refused.state_unbound');
    });

    it('refuses a login for an unregistered issuer or a foreign target', async () => {
      const r1 = await fetch(`${srv.url}/lti/login?iss=https://evil.example&login_hint=x&target_link_uri=${encodeURIComponent(srv.url + '/lti/launch')}`, { redirect: 'manual' });
      expect(r1.status).to.equal(400);
      expect(await r1.text()).to.contain('No LMS with issuer');
      const r2 = await fetch(`${srv.url}/lti/login?iss=${encodeURIComponent(srv.services.sandbox!.issuer)}&login_hint=x&target_link_uri=https://evil.example/`, { redirect: 'manual' });
      expect(r2.status).to.equal(400);
      expect(await r2.text()).to.contain('does not point at this tool');
    });

    it('still accepts a valid launch after all of that', async () => {
      const l = await launch(srv, { user: 'sandbox-student-4' });
      expect(new URL(l.location).pathname).to.equal('/practice');
    });
  });

  describe('sessions', () => {
    it('refuses a page without a session token or with a forged one', async () => {
      const none = await fetch(`${srv.url}/practice`);
      expect(none.status).to.equal(401);
      const forged = await new SignJWT({ a: { tenantId: 'x', userId: 'y', roles: ['instructor'] } }).setProtectedHeader({ alg: 'HS256', typ: 'ltik' }).sign(Buffer.from('guess'));
      const bad = await fetch(`${srv.url}/dashboard`, { headers: { authorization: `Bearer ${forged}` } });
      expect(bad.status).to.equal(401);
    });

    it('keeps students out of the instructor page', async () => {
      const l = await launch(srv, { user: student });
      const res = await fetch(`${srv.url}/dashboard`, { headers: { authorization: `Bearer ${l.ltik}` } });
      expect(res.status).to.equal(403);
    });

    it('lets only the launching LMS frame session pages', async () => {
      const l = await launch(srv, { user: student });
      const res = await fetch(`${srv.url}/practice`, { headers: { authorization: `Bearer ${l.ltik}` } });
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).to.match(/frame-ancestors 'self' http:\/\/127\.0\.0\.1:\d+/);
      expect(res.headers.get('referrer-policy')).to.equal('same-origin');
      expect(l.landing.headers.get('content-security-policy')).to.match(/frame-ancestors 'self' http:\/\/127\.0\.0\.1:\d+/);
    });
  });
});
