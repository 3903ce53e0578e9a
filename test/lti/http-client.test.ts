import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { generateKeyPair } from 'jose';
import { PlatformKeySets } from '../../src/lti/launch.js';
import type { ToolKeys } from '../../src/lti/keys.js';
import type { Platform } from '../../src/lti/registry.js';
import { ServiceError, ServiceTokens } from '../../src/lti/service-token.js';
import { HttpClient, isPublicAddress, MAX_BYTES, nextLink, OutboundError, outboundPolicyOf, parseAllowHosts, policyFor, sameOriginNext } from '../../src/lti/http-client.js';
import { loadSettings, SettingsError } from '../../src/settings.js';

/** A loopback listener the test controls; counts connections and requests. */
async function listener(handler: http.RequestListener) {
  let connections = 0;
  const requests: { url: string; host?: string; method?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', host: req.headers.host, method: req.method, body });
      handler(req, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Resolves a few made-up names to loopback, as a hostile DNS would (no real DNS query is made). */
const fakeDns = (map: Record<string, string[]>, calls: string[] = []) => async (hostname: string) => {
  calls.push(hostname);
  const addrs = map[hostname];
  if (!addrs) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addrs.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

async function refusal(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(OutboundError);
    return err as OutboundError;
  }
  throw new Error('the call was not refused');
}

describe('outgoing HTTP client', function () {
  this.timeout(20_000);

  describe('address classification', () => {
    it('calls only public unicast addresses public (IPv4, IPv6 and IPv4 inside IPv6)', () => {
      for (const a of ['8.8.8.8', '151.101.1.69', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).to.equal(true);
      for (const a of [
        '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
        '192.0.2.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '2001:db8::1', 'not-an-ip',
      ]) {
        expect(isPublicAddress(a), a).to.equal(false);
      }
    });

    it('reads allow-list entries as host names, addresses and CIDR ranges, and refuses anything else', () => {
      expect(parseAllowHosts(['Moodle.Internal', '10.0.0.0/8', '::1', 'fd00::/8'])).to.have.length(4);
      expect(() => parseAllowHosts(['http://moodle.internal'])).to.throw(/not a host name/);
      expect(() => parseAllowHosts(['10.0.0.0/99'])).to.throw();
    });
  });

  describe('settings', () => {
    const prodEnv = { NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(20), PUBLIC_URL: 'https://mastery.example.edu' };
    it('reads OUTBOUND_ALLOW_HOSTS, refuses a bad entry by name, and turns the production policy on only in production', () => {
      const s = loadSettings({ ...prodEnv, OUTBOUND_ALLOW_HOSTS: ' moodle.internal, 10.20.0.0/16 ' });
      expect(s.outboundAllowHosts).to.deep.equal(['moodle.internal', '10.20.0.0/16']);
      expect(outboundPolicyOf(s)).to.include({ requireHttps: true, blockPrivate: true });
      expect(() => loadSettings({ ...prodEnv, OUTBOUND_ALLOW_HOSTS: 'https://moodle.internal/' })).to.throw(SettingsError, /OUTBOUND_ALLOW_HOSTS/);
      expect(outboundPolicyOf(loadSettings({ NODE_ENV: 'development' }))).to.include({ requireHttps: false, blockPrivate: false });
      // A sandbox turned on in production lives at PUBLIC_URL: its host is allowed.
      expect(outboundPolicyOf(loadSettings({ ...prodEnv, SANDBOX: '1' })).allowHosts).to.deep.equal(['mastery.example.edu']);
    });

    it('lets a production sandbox behind plain http call its own origin only (bench:practice), never another http origin', () => {
      const policy = outboundPolicyOf({ ...loadSettings({ ...prodEnv, SANDBOX: '1' }), publicUrl: 'http://127.0.0.1:4100' });
      const c = new HttpClient(policy);
      expect(c.check('http://127.0.0.1:4100/sandbox/jwks').origin).to.equal('http://127.0.0.1:4100');
      expect(() => c.check('http://127.0.0.1:4101/sandbox/jwks')).to.throw(OutboundError, /only https/);
      expect(() => c.check('http://lms.example.edu/jwks')).to.throw(OutboundError, /only https/);
      // Without the sandbox there is no own origin to call.
      expect(() => new HttpClient(outboundPolicyOf({ ...loadSettings(prodEnv), publicUrl: 'http://127.0.0.1:4100' })).check('http://127.0.0.1:4100/x')).to.throw(OutboundError, /only https/);
    });
  });

  describe('production policy (https only, public addresses only)', () => {
    const prod = () => new HttpClient(policyFor({ production: true }));

    it('refuses a loopback listener by literal address and by a name resolving to it, without connecting', async () => {
      const l = await listener((_req, res) => res.end('{"secret":"internal"}'));
      try {
        const c = prod();
        expect((await refusal(c.request(`https://127.0.0.1:${l.port}/.well-known/openid-configuration`, { kind: 'openid-configuration' }))).code).to.equal('destination');
        expect((await refusal(c.request(`https://[::ffff:127.0.0.1]:${l.port}/`, { kind: 'jwks' }))).code).to.equal('destination');
        // A host name goes through the checked DNS lookup: localhost resolves to loopback.
        expect((await refusal(c.request(`https://localhost:${l.port}/`, { kind: 'jwks' }))).code).to.equal('destination');
        expect((await refusal(c.request(`${l.base}/`, { kind: 'token' }))).code).to.equal('scheme');
        expect(l.connections()).to.equal(0);
      } finally {
        await l.close();
      }
    });

    it('refuses a name when any one of its addresses is private (every resolved address is checked)', async () => {
      const c = new HttpClient({ ...policyFor({ production: true }), resolve: fakeDns({ 'lms.example.edu': ['93.184.215.14', '127.0.0.1'] }) });
      const e = await refusal(c.request('https://lms.example.edu/jwks', { kind: 'jwks' }));
      expect(e.code).to.equal('destination');
      expect(e.message).to.contain('OUTBOUND_ALLOW_HOSTS');
    });
  });

  describe('address policy with an allow list', () => {
    it('connects to exactly the checked address (pinned), once a private host is allow-listed', async () => {
      const l = await listener((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      });
      try {
        const policy = { requireHttps: false, blockPrivate: true };
        const calls: string[] = [];
        // lms.internal does not exist in any real DNS: reaching the listener proves the socket used our checked answer.
        const resolve = fakeDns({ 'lms.internal': ['127.0.0.1'] }, calls);
        const denied = new HttpClient({ ...policy, resolve });
        expect((await refusal(denied.request(`http://lms.internal:${l.port}/x`, { kind: 'ags' }))).code).to.equal('destination');
        expect(l.connections()).to.equal(0);

        const byName = new HttpClient({ ...policy, resolve, allowHosts: ['LMS.internal'] });
        const res = await byName.request(`http://lms.internal:${l.port}/x`, { kind: 'ags' });
        expect(res.status).to.equal(200);
        expect(res.json()).to.deep.equal({ ok: true });
        expect(l.requests.at(-1)?.host).to.equal(`lms.internal:${l.port}`);

        const byRange = new HttpClient({ ...policy, resolve, allowHosts: ['127.0.0.0/8'] });
        expect((await byRange.request(`http://lms.internal:${l.port}/y`, { kind: 'ags' })).status).to.equal(200);
        expect((await byRange.request(`${l.base}/z`, { kind: 'ags' })).status).to.equal(200);
        expect(calls.every((h) => h === 'lms.internal')).to.equal(true);
        byName.close();
        byRange.close();
      } finally {
        await l.close();
      }
    });
  });

  describe('every policy (development too)', () => {
    const dev = () => new HttpClient(policyFor({ production: false }));

    it('refuses a redirect (to http or anywhere) and never follows it', async () => {
      const target = await listener((_req, res) => res.end('{"keys":[]}'));
      const l = await listener((_req, res) => {
        res.statusCode = 302;
        res.setHeader('location', `${target.base}/jwks`);
        res.end();
      });
      try {
        const e = await refusal(dev().request(`${l.base}/jwks`, { kind: 'jwks' }));
        expect(e.code).to.equal('redirect');
        expect(e.status).to.equal(302);
        expect(target.requests).to.have.length(0);
      } finally {
        await l.close();
        await target.close();
      }
    });

    it('aborts an oversized body without reading it whole (streamed, declared and compressed)', async () => {
      let sent = 0;
      let stopped = false;
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const l = await listener((req, res) => {
        if (req.url === '/declared') {
          res.setHeader('content-length', String(50 * 1024 * 1024));
          res.write(chunk);
          return;
        }
        if (req.url === '/bomb') {
          // 20 MB of zeros gzip to about 20 KB: the cap applies to the decoded bytes.
          res.setHeader('content-encoding', 'gzip');
          res.end(zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024)));
          return;
        }
        // An endless body: it only stops when the client goes away.
        const pump = () => {
          while (!stopped && sent < 200 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
        };
        res.on('close', () => (stopped = true));
        pump();
      });
      try {
        const c = dev();
        const e = await refusal(c.request(`${l.base}/endless`, { kind: 'token' }));
        expect(e.code).to.equal('too_large');
        await new Promise((r) => setTimeout(r, 100));
        expect(stopped, 'the server saw the connection closed').to.equal(true);
        expect(sent).to.be.lessThan(20 * 1024 * 1024);
        expect((await refusal(c.request(`${l.base}/declared`, { kind: 'ags' }))).code).to.equal('too_large');
        expect((await refusal(c.request(`${l.base}/bomb`, { kind: 'jwks' }))).code).to.equal('too_large');
      } finally {
        await l.close();
      }
    });

    it('reads a body up to its cap, and a gzip body decoded', async () => {
      const cap = MAX_BYTES.token;
      const l = await listener((req, res) => {
        if (req.url === '/gzip') {
          res.setHeader('content-encoding', 'gzip');
          res.end(zlib.gzipSync(JSON.stringify({ access_token: 't', expires_in: 60 })));
          return;
        }
        res.end(Buffer.alloc(cap, 'b'));
      });
      try {
        const c = dev();
        expect((await c.request(`${l.base}/full`, { kind: 'token' })).body.length).to.equal(cap);
        const g = await c.request(`${l.base}/gzip`, { kind: 'token' });
        expect(g.json()).to.deep.equal({ access_token: 't', expires_in: 60 });
        expect(g.headers.get('content-encoding')).to.equal(null);
        c.close();
      } finally {
        await l.close();
      }
    });

    it('times out a slow body and a connection that never comes up', async () => {
      const l = await listener((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.write('{"members":[');
        // …and nothing more, ever.
      });
      try {
        const started = Date.now();
        const e = await refusal(dev().request(`${l.base}/members`, { kind: 'nrps', timeoutMs: 300 }));
        expect(e.code).to.equal('timeout');
        expect(Date.now() - started).to.be.lessThan(3_000);
        // A DNS answer that never comes counts against the connect timeout.
        const stuck = new HttpClient({ blockPrivate: true, connectTimeoutMs: 200, resolve: () => new Promise(() => undefined) });
        expect((await refusal(stuck.request('http://lms.internal/x', { kind: 'ags' }))).code).to.equal('connect_timeout');
      } finally {
        await l.close();
      }
    });

    it('sends the body, method and User-Agent, and returns non-2xx answers as answers', async () => {
      const l = await listener((req, res) => {
        res.statusCode = req.method === 'POST' ? 201 : 404;
        res.setHeader('link', '<https://x/a?page=2>; rel="next"');
        res.end(JSON.stringify({ ua: req.headers['user-agent'] }));
      });
      try {
        const c = dev();
        const r = await c.request(`${l.base}/s`, { kind: 'ags', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
        expect(r.status).to.equal(201);
        expect(l.requests.at(-1)).to.include({ method: 'POST', body: '{"a":1}' });
        expect((r.json() as { ua: string }).ua).to.match(/^Mastery-LTI/);
        const nf = await c.request(`${l.base}/nf`, { kind: 'ags' });
        expect(nf.ok).to.equal(false);
        const asResponse = nf.toResponse();
        expect(asResponse.status).to.equal(404);
        expect(asResponse.headers.get('link')).to.contain('page=2');
        c.close();
      } finally {
        await l.close();
      }
    });
  });

  describe('platform keys and tokens go through it', () => {
    it('fetches a platform JWKS with the production policy (loopback refused) and its byte cap', async () => {
      const l = await listener((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(req.url === '/big' ? JSON.stringify({ keys: [], pad: 'x'.repeat(MAX_BYTES.jwks) }) : '{"keys":[]}');
      });
      try {
        const prodSets = new PlatformKeySets({ http: new HttpClient(policyFor({ production: true })) });
        const e1 = await prodSets.get(`https://localhost:${l.port}/jwks`)({ alg: 'RS256', kid: 'k1' }).then(() => undefined, (e: unknown) => e);
        expect(e1).to.be.instanceOf(OutboundError);
        expect((e1 as OutboundError).code).to.equal('destination');
        expect(l.connections()).to.equal(0);
        const devSets = new PlatformKeySets({ http: new HttpClient() });
        const e2 = await devSets.get(`${l.base}/big`)({ alg: 'RS256', kid: 'k1' }).then(() => undefined, (e: unknown) => e);
        expect((e2 as OutboundError).code).to.equal('too_large');
      } finally {
        await l.close();
      }
    });

    it('reads the token endpoint within 64 KB and refuses a private token endpoint in production', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const keys = { signingKey: async () => ({ kid: 'k', key: privateKey }) } as unknown as ToolKeys;
      const l = await listener((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: 'a'.repeat(MAX_BYTES.token), expires_in: 3600 }));
      });
      const platform = (url: string): Platform => ({ id: 'p', name: 'p', issuer: url, clientId: 'c', authLoginUrl: url, authTokenUrl: `${url}/token`, jwksUrl: url, preset: null, deploymentIds: [] });
      try {
        const dev = new ServiceTokens(keys, { http: new HttpClient() });
        const e1 = await dev.get(platform(l.base), ['s']).then(() => undefined, (e: unknown) => e);
        expect(e1).to.be.instanceOf(ServiceError);
        expect((e1 as ServiceError).message).to.contain('larger than');
        const prod = new ServiceTokens(keys, { http: new HttpClient(policyFor({ production: true })) });
        const e2 = await prod.get(platform(`https://127.0.0.1:${l.port}`), ['s']).then(() => undefined, (e: unknown) => e);
        expect(e2).to.include({ code: 'refused', retryable: false });
        expect(l.requests).to.have.length(1);
      } finally {
        await l.close();
      }
    });
  });

  describe('paging links', () => {
    it('follows a next page on the same origin only (relative links resolved)', () => {
      const origin = 'https://lms.example.edu';
      const cur = `${origin}/api/members?page=1`;
      expect(nextLink('<https://x/a?page=1>; rel="first", <https://x/a?page=3>; rel="next"')).to.equal('https://x/a?page=3');
      expect(sameOriginNext('</api/members?page=2>; rel="next"', cur, origin, 'nrps')).to.equal(`${origin}/api/members?page=2`);
      expect(sameOriginNext(null, cur, origin, 'nrps')).to.equal(undefined);
      for (const other of ['https://evil.example/steal', 'http://lms.example.edu/api/members?page=2', 'https://lms.example.edu:8443/x', 'https://lms.example.edu.evil.tld/x']) {
        expect(() => sameOriginNext(`<${other}>; rel="next"`, cur, origin, 'nrps'), other).to.throw(OutboundError, /another origin/);
      }
    });
  });
});
