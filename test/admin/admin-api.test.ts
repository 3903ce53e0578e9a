import { expect } from 'chai';
import type { Express } from 'express';
import { compactVerify, createLocalJWKSet, SignJWT } from 'jose';
import request from 'supertest';
import { ToolKeys } from '../../src/lti/keys.js';
import { runCli } from '../../src/cli.js';
import { testApp } from '../helpers/app.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';

/** The tool's public URL in testApp (the Canvas configuration names it). */
const PUBLIC_URL = 'http://127.0.0.1';

/** A request to the app through supertest (no server, no port), with fetch's method, headers and body. */
async function call(app: Express, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  let req = request(app)[(init.method ?? 'GET').toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](path);
  for (const [k, v] of Object.entries(init.headers ?? {})) req = req.set(k, v);
  const res = await (init.body === undefined ? req : req.send(init.body));
  return { status: res.status, text: async () => res.text, json: async () => JSON.parse(res.text) };
}

/** The admin API, keys, metrics and CLI need no sandbox LMS and no port: createApp + supertest. */
describe('admin API', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  /** The tool's keys read straight from the database (no in-process cache), as another process sees them. */
  let toolKeys: ToolKeys;
  before(async () => {
    t = await testApp();
    toolKeys = new ToolKeys(t.db.pool, 0);
  });
  after(async () => {
    await t?.close();
  });
  const api = (path: string, init: { method?: string; body?: string } = {}, token: string | null = TEST_ADMIN_TOKEN) =>
    call(t.app, `/admin/api${path}`, { ...init, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const get = (path: string, headers: Record<string, string> = {}) => call(t.app, path, { headers });

  it('requires the admin token', async () => {
    expect((await api('/platforms', {}, null)).status).to.equal(401);
    const wrong = await api('/platforms', {}, 'not-the-token-at-all');
    expect(wrong.status).to.equal(401);
    expect((await wrong.json()).error).to.equal('unauthorized');
  });

  it('registers a platform by hand and refuses a duplicate', async () => {
    const body = {
      name: 'District Canvas',
      issuer: 'https://canvas.instructure.com',
      clientId: '10000000000001',
      authLoginUrl: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
      authTokenUrl: 'https://sso.canvaslms.com/login/oauth2/token',
      jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
      deploymentIds: ['12:abc'],
    };
    const res = await api('/platforms', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).to.equal(201);
    const p = await res.json();
    expect(p).to.include({ issuer: body.issuer, clientId: body.clientId, name: body.name });
    expect(p.deploymentIds).to.deep.equal(['12:abc']);
    const dup = await api('/platforms', { method: 'POST', body: JSON.stringify(body) });
    expect(dup.status).to.equal(409);
  });

  it('lets many Canvas client ids share one issuer', async () => {
    const res = await api('/platforms', { method: 'POST', body: JSON.stringify({ preset: 'canvas', clientId: '10000000000002', deploymentIds: ['1:x'] }) });
    expect(res.status).to.equal(201);
    const p = await res.json();
    expect(p.issuer).to.equal('https://canvas.instructure.com');
    expect(p.jwksUrl).to.equal('https://sso.canvaslms.com/api/lti/security/jwks');
  });

  it('fills Moodle and Schoology presets', async () => {
    const m = await (await api('/platforms', { method: 'POST', body: JSON.stringify({ preset: 'moodle', clientId: 'm1', siteUrl: 'https://moodle.school.edu/', deploymentIds: ['3'] }) })).json();
    expect(m).to.include({ issuer: 'https://moodle.school.edu', authLoginUrl: 'https://moodle.school.edu/mod/lti/auth.php', authTokenUrl: 'https://moodle.school.edu/mod/lti/token.php', jwksUrl: 'https://moodle.school.edu/mod/lti/certs.php' });
    const s = await (await api('/platforms', { method: 'POST', body: JSON.stringify({ preset: 'schoology', clientId: 's1' }) })).json();
    expect(s).to.include({ issuer: 'https://schoology.schoology.com', jwksUrl: 'https://lti-service.svc.schoology.com/lti-service/.well-known/jwks' });
  });

  it('answers field errors with 400', async () => {
    const res = await api('/platforms', { method: 'POST', body: JSON.stringify({ name: '', issuer: 'not a url', clientId: 'x' }) });
    expect(res.status).to.equal(400);
    const j = await res.json();
    expect(j.details.fields).to.have.keys('name', 'issuer', 'authLoginUrl', 'authTokenUrl', 'jwksUrl');
    const preset = await api('/platforms', { method: 'POST', body: JSON.stringify({ preset: 'blackboard', clientId: 'x' }) });
    expect((await preset.json()).details.fields.preset).to.contain('must be one of');
    const moodle = await api('/platforms', { method: 'POST', body: JSON.stringify({ preset: 'moodle', clientId: 'x' }) });
    expect((await moodle.json()).details.fields.siteUrl).to.contain('required');
    const broken = await api('/platforms', { method: 'POST', body: '{"name":' });
    expect(broken.status).to.equal(400);
  });

  it('reads, adds deployments to, and deletes a platform', async () => {
    const created = await (await api('/platforms', { method: 'POST', body: JSON.stringify({ preset: 'canvas', clientId: '10000000000003' }) })).json();
    const patched = await api(`/platforms/${created.id}`, { method: 'PATCH', body: JSON.stringify({ addDeploymentIds: ['a', 'b'] }) });
    expect((await patched.json()).deploymentIds).to.deep.equal(['a', 'b']);
    const bad = await api(`/platforms/${created.id}`, { method: 'PATCH', body: JSON.stringify({ issuer: 'https://other' }) });
    expect(bad.status).to.equal(400);
    expect((await api(`/platforms/${created.id}`)).status).to.equal(200);
    expect((await api(`/platforms/${created.id}`, { method: 'DELETE' })).status).to.equal(204);
    expect((await api(`/platforms/${created.id}`)).status).to.equal(404);
    const list = await (await api('/platforms')).json();
    expect(list.platforms.map((p: { id: string }) => p.id)).not.to.include(created.id);
  });

  it('rotates keys and keeps tokens signed by the old key verifiable', async () => {
    const before = await (await get('/lti/keys')).json();
    const oldKey = await toolKeys.signingKey();
    const token = await new SignJWT({ hello: 'world' }).setProtectedHeader({ alg: 'RS256', kid: oldKey.kid }).sign(oldKey.key);
    const rotated = await api('/keys/rotate', { method: 'POST', body: '{}' });
    expect(rotated.status).to.equal(200);
    const r = await rotated.json();
    expect(r.retired).to.include(oldKey.kid);
    const after = await (await get('/lti/keys')).json();
    const kids = after.keys.map((k: { kid: string }) => k.kid);
    expect(kids).to.include(oldKey.kid).and.to.include(r.kid);
    expect(after.keys.every((k: Record<string, unknown>) => k.d === undefined && k.p === undefined)).to.equal(true);
    await compactVerify(token, createLocalJWKSet(after));
    expect((await toolKeys.signingKey()).kid).to.equal(r.kid);
    expect(before.keys.length).to.be.lessThan(after.keys.length);
  });

  it('drops a retired key from the JWKS after its overlap', async () => {
    const current = (await toolKeys.signingKey()).kid;
    await toolKeys.rotate(0);
    const after = await (await get('/lti/keys')).json();
    expect(after.keys.map((k: { kid: string }) => k.kid)).not.to.include(current);
  });

  it('serves the Canvas developer-key JSON configuration with our URLs', async () => {
    const cfg = await (await get('/lti/canvas.json')).json();
    expect(cfg).to.include({ oidc_initiation_url: `${PUBLIC_URL}/lti/login`, target_link_uri: `${PUBLIC_URL}/lti/launch`, public_jwk_url: `${PUBLIC_URL}/lti/keys` });
    expect(cfg.extensions[0].privacy_level).to.equal('public');
    expect(cfg.extensions[0].settings.placements.map((p: { message_type: string }) => p.message_type)).to.deep.equal(['LtiDeepLinkingRequest', 'LtiDeepLinkingRequest']);
    expect(cfg.scopes).to.include('https://purl.imsglobal.org/spec/lti-ags/scope/score');
  });

  it('serves Prometheus metrics to the admin token only, labelled by route pattern', async () => {
    expect((await get('/metrics')).status).to.equal(401);
    await get('/healthz');
    const res = await get('/metrics', { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(res.status).to.equal(200);
    const text = await res.text();
    expect(text).to.contain('mastery_http_request_duration_seconds_bucket').and.to.contain('route="/healthz"');
    expect(text).to.contain('mastery_process_cpu_seconds_total');
    expect(text).not.to.contain('ltik');
  });

  it('serves health and readiness', async () => {
    expect(await (await get('/healthz')).json()).to.deep.equal({ status: 'up' });
    expect((await get('/readyz')).status).to.equal(200);
  });

  it('runs the CLI against the same registry', async () => {
    const lines: string[] = [];
    const prev = process.env.DATABASE_URL;
    process.env.DATABASE_URL = t.db.url;
    try {
      expect(await runCli(['platform', 'add', '--preset', 'schoology', '--client-id', 'cli-1', '--deployment', 'd1'], (s) => lines.push(s))).to.equal(0);
      expect(await runCli(['platform', 'list'], (s) => lines.push(s))).to.equal(0);
      expect(await runCli(['platform', 'add', '--preset', 'schoology', '--client-id', 'cli-1'], (s) => lines.push(s))).to.equal(1);
    } finally {
      if (prev === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = prev;
    }
    expect(lines.join('\n')).to.contain('client cli-1').and.to.contain('already registered');
  });

  it('lists learner model versions and refuses a rollback to a version that does not exist', async () => {
    const list = await api('/model/versions?tenantId=t-none');
    expect(list.status).to.equal(200);
    expect((await list.json()).models).to.deep.equal([]);
    expect((await api('/model/versions')).status).to.equal(400);
    const bad = await api('/model/rollback', { method: 'POST', body: JSON.stringify({ tenantId: 't-none', packId: 'fractions', version: 3 }) });
    expect(bad.status).to.equal(404);
    const back = await api('/model/rollback', { method: 'POST', body: JSON.stringify({ tenantId: 't-none', packId: 'fractions', version: 0 }) });
    expect(await back.json()).to.deep.equal({ active: 0 });
  });
});
