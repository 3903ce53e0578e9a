import { expect } from 'chai';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { RunningServer } from '../../src/server.js';
import { CLAIM } from '../../src/lti/claims.js';
import { DEMO_USERS } from '../../src/sandbox/demo.js';
import { SANDBOX_CLIENT_ID } from '../../src/sandbox/platform.js';
import { startTestServer } from '../helpers/server.js';
import { beginLaunch, formFields, land, postLaunch, launch, type Browser } from '../helpers/launch.js';

async function deepLinkSession(srv: RunningServer, user = 'sandbox-teacher-1'): Promise<{ browser: Browser; ltik: string; location: string; html: string }> {
  const s = await beginLaunch(srv, { user });
  const u = DEMO_USERS.find((x) => x.id === user)!;
  const res = await postLaunch(s.browser, { id_token: await srv.services.sandbox!.signIdToken(srv.services.sandbox!.deepLinkingClaims(u, 'canvas', s.nonce)), state: s.state });
  expect(res.status).to.equal(303);
  const location = new URL(res.headers.get('location')!, srv.url).toString();
  const landed = await land(s.browser, location);
  return { browser: s.browser, ltik: landed.ltik, location, html: landed.html };
}

const post = (b: Browser, url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return b.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
};

describe('Deep Linking 2.0', function () {
  this.timeout(60_000);
  let srv: RunningServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv?.close();
  });

  it('lands an instructor deep-linking launch on the picker', async () => {
    const dl = await deepLinkSession(srv);
    expect(new URL(dl.location).pathname).to.equal('/deep-link');
    expect(dl.html).to.contain('data-testid="deep-link-form"');
  });

  it('returns a signed ltiResourceLink with the chosen settings and line item, echoing data', async () => {
    const dl = await deepLinkSession(srv);
    const res = await post(dl.browser, `${srv.url}/deep-link`, { ltik: dl.ltik, title: 'Adding fractions', skills: ['add-like-denominators', 'equivalent-fractions'], threshold: '0.9', points: '20', per_skill: 'on' });
    expect(res.status).to.equal(200);
    const html = await res.text();
    expect(html).to.contain(`action="${srv.services.sandbox!.deepLinkReturnUrl}"`);
    const jwt = formFields(html).JWT;
    const jwks = await (await fetch(`${srv.url}/lti/keys`)).json();
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: SANDBOX_CLIENT_ID, audience: srv.services.sandbox!.issuer });
    expect(protectedHeader.alg).to.equal('RS256');
    expect(payload[CLAIM.messageType]).to.equal('LtiDeepLinkingResponse');
    expect(payload[CLAIM.version]).to.equal('1.3.0');
    expect(payload[CLAIM.deploymentId]).to.equal('sandbox-deployment-1');
    expect(payload['https://purl.imsglobal.org/spec/lti-dl/claim/data']).to.equal('sandbox-dl:sandbox-teacher-1');
    const items = payload['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as Array<Record<string, any>>;
    expect(items).to.have.length(1);
    expect(items[0]).to.include({ type: 'ltiResourceLink', title: 'Adding fractions', url: `${srv.url}/lti/launch` });
    expect(items[0].custom).to.include({ skills: 'add-like-denominators,equivalent-fractions', threshold: '0.9', points: '20', per_skill: '1' });
    expect(items[0].lineItem).to.include({ scoreMaximum: 20, label: 'Adding fractions' });
    expect(typeof payload.nonce).to.equal('string');
  });

  it('places the activity in the sandbox course and students practise exactly what was chosen', async () => {
    const dl = await deepLinkSession(srv);
    const res = await post(dl.browser, `${srv.url}/deep-link`, { ltik: dl.ltik, title: 'Unit fractions only', skills: 'unit-fractions', threshold: '0.9', points: '10' });
    const jwt = formFields(await res.text()).JWT;
    const back = await post(dl.browser, srv.services.sandbox!.deepLinkReturnUrl, { JWT: jwt });
    expect(back.status).to.equal(200);
    const linkId = (await back.text()).match(/data-link="([^"]+)"/)![1];
    const l = await launch(srv, { user: 'sandbox-student-1', link: linkId });
    const page = l.html;
    expect(page).to.contain('0 of 1 skills mastered');
    expect(page).to.contain('Unit fractions only');
    const a = (await srv.db.pool.query('SELECT threshold, points, skills FROM assignments WHERE resource_link_id = $1', [linkId])).rows[0];
    expect(a).to.deep.include({ threshold: 0.9, points: 10 });
    expect(a.skills).to.deep.equal(['unit-fractions']);
  });

  it('refuses bad picks with a message and keeps students out', async () => {
    const dl = await deepLinkSession(srv);
    const res = await post(dl.browser, `${srv.url}/deep-link`, { ltik: dl.ltik, title: '', threshold: '2' });
    expect(res.status).to.equal(400);
    const html = await res.text();
    expect(html).to.contain('Give the activity a title').and.to.contain('Choose at least one skill');
    const student = await launch(srv, { user: 'sandbox-student-2' });
    const denied = await post(student.browser, `${srv.url}/deep-link`, { ltik: student.ltik, title: 'x', skills: 'unit-fractions' });
    expect(denied.status).to.equal(403);
    const teacher = await launch(srv, { user: 'sandbox-teacher-1' });
    const notDl = await teacher.browser.fetch(`${srv.url}/deep-link`, { headers: { authorization: `Bearer ${teacher.ltik}` } });
    expect(notDl.status).to.equal(403);
  });

  it('refuses a deep-linking request without settings or without resource links among accepted types', async () => {
    const u = DEMO_USERS.find((x) => x.id === 'sandbox-teacher-1')!;
    for (const [mutate, code] of [
      [(c: Record<string, unknown>) => delete c[CLAIM.deepLinkingSettings], 'launch_refused.deep_linking_settings'],
      [(c: Record<string, unknown>) => ((c[CLAIM.deepLinkingSettings] as Record<string, unknown>).accept_types = ['html']), 'launch_refused.deep_linking_types'],
    ] as const) {
      const s = await beginLaunch(srv, { user: u.id });
      const claims = srv.services.sandbox!.deepLinkingClaims(u, 'canvas', s.nonce);
      mutate(claims);
      const res = await postLaunch(s.browser, { id_token: await srv.services.sandbox!.signIdToken(claims), state: s.state });
      expect(res.status).to.equal(401);
      expect(await res.text()).to.contain(code);
    }
  });

  it('the sandbox refuses a response not signed by the tool', async () => {
    const forged = await srv.services.sandbox!.signIdToken({ iss: SANDBOX_CLIENT_ID, aud: srv.services.sandbox!.issuer });
    const res = await fetch(srv.services.sandbox!.deepLinkReturnUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `JWT=${forged}` });
    expect(res.status).to.equal(400);
  });
});
