import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { HttpClient, policyFor } from '../../src/lti/http-client.js';
import { DynamicRegistration, REGISTRATION_FAILED, servedByIssuer } from '../../src/lti/registration.js';
import type { RunningServer } from '../../src/server.js';
import { startTestServer, TEST_ADMIN_TOKEN } from '../helpers/server.js';

/** A fake LMS offering LTI Dynamic Registration: OpenID configuration and a registration endpoint. */
async function fakeLms(opts: { issuerOverride?: (base: string) => string; registrationEndpoint?: string; refuse?: boolean; redirectTo?: string; host?: string } = {}) {
  const seen: { auth?: string; body?: Record<string, any> }[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const base = `http://${opts.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
    if (req.url === '/.well-known/openid-configuration') {
      seen.push({ auth: req.headers.authorization });
      if (opts.redirectTo) {
        res.statusCode = 302;
        res.setHeader('location', opts.redirectTo);
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        issuer: opts.issuerOverride ? opts.issuerOverride(base) : base,
        authorization_endpoint: `${base}/auth`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        registration_endpoint: opts.registrationEndpoint ?? `${base}/register`,
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
          res.end('{"error":"INTERNAL-DETAIL-7731 db01.intranet"}');
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
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const base = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  return {
    base,
    port,
    seen,
    connections: () => connections,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A logger whose lines the test reads. */
function captureLog() {
  const lines: string[] = [];
  return { lines, log: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) };
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
      const platform = (await srv.services.registry.byIssuer(lms.base))[0];
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
      expect(await forged.text()).to.contain('not valid, has expired');
      expect(lms.seen).to.have.length(0);
      const url = await newUrl();
      expect((await open(url, lms.base)).status).to.equal(200);
      const again = await open(url, lms.base);
      expect(again.status).to.equal(400);
    } finally {
      await lms.close();
    }
  });

  /** The page of a failed registration: one generic message, never the remote status or body. */
  const expectGeneric = async (res: Response) => {
    expect(res.status).to.equal(400);
    const html = await res.text();
    expect(html).to.contain('did not complete');
    expect(html).not.to.contain('403');
    expect(html).not.to.contain('INTERNAL-DETAIL');
    return html;
  };

  it('refuses a configuration not served by its issuer, and an LMS refusal, with one generic page, storing nothing', async () => {
    const spoof = await fakeLms({ issuerOverride: () => 'https://canvas.instructure.com' });
    const refusing = await fakeLms({ refuse: true });
    try {
      const before = (await srv.services.registry.list()).length;
      await expectGeneric(await open(await newUrl(), spoof.base));
      expect(spoof.seen).to.have.length(1);
      await expectGeneric(await open(await newUrl(), refusing.base));
      expect((await srv.services.registry.list()).length).to.equal(before);
    } finally {
      await spoof.close();
      await refusing.close();
    }
  });

  it('spends the code at the first attempt, even a failed one: a retry with a good LMS is refused and calls nothing', async () => {
    const refusing = await fakeLms({ refuse: true });
    const good = await fakeLms();
    try {
      const url = await newUrl();
      await expectGeneric(await open(url, refusing.base));
      const again = await open(url, good.base);
      expect(again.status).to.equal(400);
      expect(await again.text()).to.contain('already used');
      expect(good.connections()).to.equal(0);
      // An unreachable LMS spends it too (a listener of ours, closed again).
      const gone = await fakeLms();
      await gone.close();
      const url2 = await newUrl();
      await expectGeneric(await open(url2, gone.base));
      expect((await open(url2, good.base)).status).to.equal(400);
      expect(good.connections()).to.equal(0);
    } finally {
      await refusing.close();
      await good.close();
    }
  });

  it('compares the issuer as an origin, not a string prefix', async () => {
    // The issuer is a prefix of the configuration URL (port 4123 starts with 412) but another origin.
    const lms = await fakeLms({ issuerOverride: (base) => base.slice(0, -1) });
    try {
      expect(`${lms.base}/.well-known/openid-configuration`.startsWith(lms.base.slice(0, -1))).to.equal(true);
      await expectGeneric(await open(await newUrl(), lms.base));
      expect(lms.seen).to.have.length(1);
    } finally {
      await lms.close();
    }
  });

  it('refuses canvas.instructure.com.evil.tld as canvas.instructure.com, and logs why without the registration token', async () => {
    const lms = await fakeLms({ host: 'canvas.instructure.com.evil.tld', issuerOverride: () => 'http://canvas.instructure.com' });
    const { lines, log } = captureLog();
    // The name resolves (through the client's checked lookup) to the test's own listener; no real DNS is asked.
    const client = new HttpClient({
      blockPrivate: true,
      allowHosts: ['127.0.0.1'],
      resolve: async (h) => (h === 'canvas.instructure.com.evil.tld' ? [{ address: '127.0.0.1', family: 4 }] : []),
    });
    const reg = new DynamicRegistration({ pool: srv.db.pool, publicUrl: srv.url, log, http: client });
    try {
      const code = new URL((await reg.createCode()).url).searchParams.get('code');
      const before = (await srv.services.registry.list()).length;
      let message = '';
      await reg.register({ code, openid_configuration: `${lms.base}/.well-known/openid-configuration`, registration_token: 'secret-reg-token-42' }).catch((e: Error) => (message = e.message));
      expect(message).to.equal(REGISTRATION_FAILED);
      expect(lms.seen).to.have.length(1);
      expect(lms.seen[0].auth).to.equal('Bearer secret-reg-token-42');
      expect((await srv.services.registry.list()).length).to.equal(before);
      const logged = lines.join('');
      expect(logged).to.contain('not served by its issuer');
      expect(logged).not.to.contain('secret-reg-token-42');
      expect(logged).not.to.contain(code!);
    } finally {
      client.close();
      await lms.close();
    }
  });

  it('matches issuers by origin, with Canvas cloud served from its schools\' instructure.com hosts', () => {
    const ok = (iss: string, url: string) => servedByIssuer(iss, new URL(url));
    expect(ok('https://moodle.school.edu', 'https://moodle.school.edu/mod/lti/openid-configuration.php')).to.equal(true);
    expect(ok('https://school.edu/moodle', 'https://school.edu/moodle/mod/lti/openid-configuration.php')).to.equal(true);
    expect(ok('https://canvas.instructure.com', 'https://school.instructure.com/api/lti/security/openid-configuration')).to.equal(true);
    expect(ok('https://canvas.instructure.com', 'https://canvas.instructure.com.evil.tld/api/lti/security/openid-configuration')).to.equal(false);
    expect(ok('https://canvas.instructure.com', 'https://evilinstructure.com/x')).to.equal(false);
    expect(ok('https://canvas.instructure.com', 'https://lms.evil.tld/x')).to.equal(false);
    expect(ok('https://moodle.school.edu', 'https://moodle.school.edu.evil.tld/x')).to.equal(false);
    expect(ok('https://moodle.school.edu', 'http://moodle.school.edu/x')).to.equal(false);
    expect(ok('https://moodle.school.edu', 'https://moodle.school.edu:8443/x')).to.equal(false);
    expect(ok('https://school.instructure.com', 'https://other.instructure.com/x')).to.equal(false);
  });

  it('registers Canvas cloud: issuer canvas.instructure.com, configuration and registration on the school host', async () => {
    const lms = await fakeLms({ host: 'school.instructure.com', issuerOverride: () => 'https://canvas.instructure.com' });
    const client = new HttpClient({ blockPrivate: true, allowHosts: ['127.0.0.1'], resolve: async (h) => (h === 'school.instructure.com' ? [{ address: '127.0.0.1', family: 4 }] : []) });
    const reg = new DynamicRegistration({ pool: srv.db.pool, publicUrl: srv.url, http: client });
    try {
      const code = new URL((await reg.createCode()).url).searchParams.get('code');
      const platform = await reg.register({ code, openid_configuration: `${lms.base}/.well-known/openid-configuration`, registration_token: 'r' });
      expect(platform).to.include({ issuer: 'https://canvas.instructure.com', clientId: 'dyn-client-1' });
      expect(lms.seen).to.have.length(2);
    } finally {
      client.close();
      await lms.close();
    }
  });

  it('refuses a registration_endpoint on another origin than the issuer, posting nothing there', async () => {
    const elsewhere = await fakeLms();
    const lms = await fakeLms({ registrationEndpoint: `${elsewhere.base}/register` });
    try {
      await expectGeneric(await open(await newUrl(), lms.base));
      expect(lms.seen).to.have.length(1);
      expect(elsewhere.connections()).to.equal(0);
    } finally {
      await lms.close();
      await elsewhere.close();
    }
  });

  it('does not follow a redirect of the configuration (to http or anywhere)', async () => {
    const target = await fakeLms();
    const lms = await fakeLms({ redirectTo: `${target.base}/.well-known/openid-configuration` });
    try {
      await expectGeneric(await open(await newUrl(), lms.base));
      expect(target.connections()).to.equal(0);
    } finally {
      await lms.close();
      await target.close();
    }
  });

  it('in production, calls no loopback or private address and no http URL (SSRF)', async () => {
    const internal = await fakeLms();
    const { lines, log } = captureLog();
    const client = new HttpClient(policyFor({ production: true }));
    const reg = new DynamicRegistration({ pool: srv.db.pool, publicUrl: srv.url, log, http: client });
    const attempt = async (configUrl: string) => {
      const code = new URL((await reg.createCode()).url).searchParams.get('code');
      const message = await reg.register({ code, openid_configuration: configUrl, registration_token: 't' }).then(() => 'registered', (e: Error) => e.message);
      // Whatever happened, the code is spent.
      const again = await reg.register({ code, openid_configuration: configUrl }).then(() => 'registered', (e: Error) => e.message);
      expect(again).to.contain('already used');
      return message;
    };
    try {
      expect(await attempt(`${internal.base}/.well-known/openid-configuration`)).to.contain('must be an https URL');
      expect(await attempt(`https://127.0.0.1:${internal.port}/.well-known/openid-configuration`)).to.contain('not an address the tool may call');
      expect(await attempt(`https://[::1]:${internal.port}/.well-known/openid-configuration`)).to.contain('not an address the tool may call');
      // A name is resolved and every address checked before connecting: localhost is loopback.
      expect(await attempt(`https://localhost:${internal.port}/.well-known/openid-configuration`)).to.equal(REGISTRATION_FAILED);
      expect(internal.connections()).to.equal(0);
      expect(lines.join('')).to.contain('private or reserved address');
    } finally {
      client.close();
      await internal.close();
    }
  });

  it('needs the admin token to create a registration URL', async () => {
    expect((await fetch(`${srv.url}/admin/api/registrations`, { method: 'POST' })).status).to.equal(401);
  });
});
