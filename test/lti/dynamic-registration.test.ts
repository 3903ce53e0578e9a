import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningServer } from '../../src/server.js';
import { startTestServer, TEST_ADMIN_TOKEN } from '../helpers/server.js';

/** A fake LMS offering LTI Dynamic Registration: OpenID configuration and a registration endpoint. */
async function fakeLms(opts: { issuerOverride?: string; refuse?: boolean } = {}) {
  const seen: { auth?: string; body?: Record<string, any> }[] = [];
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/openid-configuration') {
      seen.push({ auth: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        issuer: opts.issuerOverride ?? base,
        authorization_endpoint: `${base}/auth`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        registration_endpoint: `${base}/register`,
        'https://purl.imsglobal.org/spec/lti-platform-configuration': { product_family_code: 'moodle', version: '4.3', messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest' }] },
      }));
      return;
    }
    if (req.url === '/register' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        if (opts.refuse) {
          res.statusCode = 403;
          res.end('{}');
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ client_id: 'dyn-client-1', 'https://purl.imsglobal.org/spec/lti-tool-configuration': { deployment_id: 'dyn-dep-1' } }));
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('LTI Dynamic Registration', function () {
  this.timeout(60_000);
  let srv: RunningServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv?.close();
  });

  const newUrl = async () => {
    const res = await fetch(`${srv.url}/admin/api/registrations`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(res.status).to.equal(201);
    return (await res.json()).url as string;
  };
  const open = (url: string, lms: string, token = 'reg-token-123') =>
    fetch(`${url}&openid_configuration=${encodeURIComponent(`${lms}/.well-known/openid-configuration`)}&registration_token=${token}`);

  it('registers with the LMS, stores the platform and its deployment, and closes the window', async () => {
    const lms = await fakeLms();
    try {
      const res = await open(await newUrl(), lms.base);
      const html = await res.text();
      expect(res.status, html.slice(0, 300)).to.equal(200);
      expect(html).to.contain('data-testid="registered"').and.to.contain('/static/js/lti-close.js');
      expect(lms.seen[0].auth).to.equal('Bearer reg-token-123');
      const sent = lms.seen[1].body!;
      expect(lms.seen[1].auth).to.equal('Bearer reg-token-123');
      expect(sent).to.include({ initiate_login_uri: `${srv.url}/lti/login`, jwks_uri: `${srv.url}/lti/keys`, token_endpoint_auth_method: 'private_key_jwt' });
      expect(sent.redirect_uris).to.deep.equal([`${srv.url}/lti/launch`]);
      expect(sent.scope).to.contain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
      expect(sent['https://purl.imsglobal.org/spec/lti-tool-configuration']['https://canvas.instructure.com/lti/privacy_level']).to.equal('public');
      const platform = (await srv.deps.registry.byIssuer(lms.base))[0];
      expect(platform).to.include({ clientId: 'dyn-client-1', authLoginUrl: `${lms.base}/auth`, jwksUrl: `${lms.base}/jwks` });
      expect(platform.deploymentIds).to.deep.equal(['dyn-dep-1']);
    } finally {
      await lms.close();
    }
  });

  it('refuses without a valid one-time code, and a code works once', async () => {
    const lms = await fakeLms();
    try {
      const forged = await fetch(`${srv.url}/lti/register?code=guess&openid_configuration=${encodeURIComponent(`${lms.base}/.well-known/openid-configuration`)}`);
      expect(forged.status).to.equal(400);
      expect(await forged.text()).to.contain('not valid or has expired');
      expect(lms.seen).to.have.length(0);
      const url = await newUrl();
      expect((await open(url, lms.base)).status).to.equal(200);
      const again = await open(url, lms.base);
      expect(again.status).to.equal(400);
    } finally {
      await lms.close();
    }
  });

  it('refuses a configuration not served by its issuer, and reports an LMS refusal, storing nothing', async () => {
    const spoof = await fakeLms({ issuerOverride: 'https://canvas.instructure.com' });
    const refusing = await fakeLms({ refuse: true });
    try {
      const before = (await srv.deps.registry.list()).length;
      const r1 = await open(await newUrl(), spoof.base);
      expect(r1.status).to.equal(400);
      expect(await r1.text()).to.contain('not served by its issuer');
      const r2 = await open(await newUrl(), refusing.base);
      expect(r2.status).to.equal(400);
      expect(await r2.text()).to.contain('refused the registration (HTTP 403)');
      expect((await srv.deps.registry.list()).length).to.equal(before);
    } finally {
      await spoof.close();
      await refusing.close();
    }
  });

  it('needs the admin token to create a registration URL', async () => {
    expect((await fetch(`${srv.url}/admin/api/registrations`, { method: 'POST' })).status).to.equal(401);
  });
});
