import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { CLAIM } from '../../src/lti/claims.js';
import { signDeepLinkingResponse } from '../../src/lti/deep-linking.js';
import { LaunchValidator } from '../../src/lti/launch.js';
import { stateCookieName } from '../../src/lti/login.js';
import { DEMO_USERS } from '../../src/sandbox/demo.js';
import { SANDBOX_CLIENT_ID } from '../../src/sandbox/platform.js';
import type { RunningServer } from '../../src/server.js';
import { beginLaunch } from '../helpers/launch.js';
import { startTestServer } from '../helpers/server.js';

const DATA_CLAIM = 'https://purl.imsglobal.org/spec/lti-dl/claim/data';

/**
 * LTI DL 2.0 §4.4.1: `data` is opaque to the tool and must come back unchanged in the response. A
 * platform may send any JSON value there (the lti1p3platform library sends an object).
 */
describe('Deep Linking 2.0: data returned exactly as received', function () {
  this.timeout(60_000);
  let srv: RunningServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv?.close();
  });

  /** Runs a real deep-linking launch carrying `data` through the launch pipeline, then signs the response. */
  async function roundTrip(data: unknown, present = true): Promise<Record<string, unknown>> {
    const sandbox = srv.services.sandbox!;
    const teacher = DEMO_USERS.find((u) => u.id === 'sandbox-teacher-1')!;
    const s = await beginLaunch(srv, { user: teacher.id });
    const claims = sandbox.deepLinkingClaims(teacher, 'canvas', s.nonce);
    const settings = claims[CLAIM.deepLinkingSettings] as Record<string, unknown>;
    if (present) settings.data = data;
    else delete settings.data;
    const validator = new LaunchValidator({ pool: srv.db.pool, registry: srv.services.registry, keySets: srv.services.keySets });
    const out = await validator.launch({ idToken: await sandbox.signIdToken(claims), state: s.state, cookieSecret: s.browser.cookies.get(stateCookieName(s.state)) });
    if (out.kind !== 'launched') throw new Error(`unexpected outcome ${out.kind}`);
    const jwt = await signDeepLinkingResponse({
      actor: out.actor,
      platform: await srv.services.registry.get(out.actor.platformId),
      key: await srv.services.toolKeys.signingKey(),
      items: [{ title: 'Fractions', url: `${srv.url}/lti/launch`, custom: { skills: 'unit-fractions' } }],
    });
    const jwks = await (await fetch(`${srv.url}/lti/keys`)).json();
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: SANDBOX_CLIENT_ID, audience: sandbox.issuer });
    return payload;
  }

  const cases: [string, unknown][] = [
    ['an object', { course: 'c-1', nested: { ids: [1, 2, 3], ok: true, none: null }, 'unicode ✓': 'ü' }],
    ['an array', ['a', 1, { b: false }, [null]]],
    ['a number', 42.5],
    ['zero', 0],
    ['a string', 'opaque-csrf-token:123'],
    ['an empty string', ''],
    ['false', false],
  ];
  for (const [what, data] of cases) {
    it(`echoes ${what}`, async () => {
      const payload = await roundTrip(data);
      expect(payload).to.have.property(DATA_CLAIM);
      expect(payload[DATA_CLAIM]).to.deep.equal(data);
      expect(JSON.stringify(payload[DATA_CLAIM])).to.equal(JSON.stringify(data));
    });
  }

  it('sends no data claim when the request had none', async () => {
    const payload = await roundTrip(undefined, false);
    expect(payload).to.not.have.property(DATA_CLAIM);
  });
});
