import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient, MAX_BYTES } from '../../src/lti/http-client.js';
import { fetchMemberships } from '../../src/lti/nrps.js';
import { AgsClient } from '../../src/lti/ags.js';
import type { Platform } from '../../src/lti/registry.js';
import { SCOPE, ServiceError, type ServiceTokens } from '../../src/lti/service-token.js';

/** A token cache that always has a token with every scope (the calls under test are the service calls). */
const tokens = {
  get: async () => ({ token: 'tok-123', usableUntil: Date.now() + 60_000, scopes: Object.values(SCOPE) }),
  invalidate: () => undefined,
} as unknown as ServiceTokens;

const platform: Platform = {
  id: 'p1', name: 'LMS', issuer: 'http://127.0.0.1', clientId: 'c', authLoginUrl: 'http://127.0.0.1/auth', authTokenUrl: 'http://127.0.0.1/token',
  jwksUrl: 'http://127.0.0.1/jwks', preset: null, deploymentIds: [],
};

async function service(handler: (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void) {
  const seen: { url: string; auth?: string }[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    handler(req, res, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connections: () => connections,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const member = (id: string) => ({ user_id: id, status: 'Active', roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] });

describe('NRPS and AGS paging through the outgoing client', function () {
  this.timeout(20_000);
  const client = new HttpClient();
  after(() => client.close());

  it('follows next pages on the membership URL origin (relative links too)', async () => {
    const lms = await service((req, res) => {
      res.setHeader('content-type', 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json');
      if (req.url === '/members') res.setHeader('link', '</members?page=2>; rel="next"');
      res.end(JSON.stringify({ members: [member(req.url === '/members' ? 'u1' : 'u2')] }));
    });
    try {
      const members = await fetchMemberships(tokens, platform, `${lms.base}/members`, { http: client });
      expect(members.map((m) => m.userId)).to.deep.equal(['u1', 'u2']);
      expect(lms.seen.map((s) => s.url)).to.deep.equal(['/members', '/members?page=2']);
    } finally {
      await lms.close();
    }
  });

  it('refuses a next page on another origin: the token never goes there', async () => {
    const thief = await service((_req, res) => res.end(JSON.stringify({ members: [] })));
    const lms = await service((_req, res) => {
      res.setHeader('link', `<${thief.base}/collect>; rel="next"`);
      res.end(JSON.stringify({ members: [member('u1')] }));
    });
    try {
      const err = await fetchMemberships(tokens, platform, `${lms.base}/members`, { http: client }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ServiceError);
      expect(err).to.include({ code: 'refused', retryable: false });
      expect((err as Error).message).to.contain('another origin');
      expect(thief.connections()).to.equal(0);
    } finally {
      await lms.close();
      await thief.close();
    }
  });

  it('refuses an NRPS page over its byte cap', async () => {
    const lms = await service((_req, res) => {
      res.end(JSON.stringify({ members: [], pad: 'x'.repeat(MAX_BYTES.nrps) }));
    });
    try {
      const err = await fetchMemberships(tokens, platform, `${lms.base}/members`, { http: client }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ServiceError);
      expect((err as Error).message).to.match(/larger than/);
    } finally {
      await lms.close();
    }
  });

  it('refuses an AGS line items next page on another origin', async () => {
    const thief = await service((_req, res) => res.end('[]'));
    const lms = await service((_req, res) => {
      res.setHeader('link', `<${thief.base}/lineitems?page=2>; rel="next"`);
      res.end(JSON.stringify([{ id: 'http://127.0.0.1/li/1', label: 'x', scoreMaximum: 1 }]));
    });
    try {
      const ags = new AgsClient(tokens, platform, [SCOPE.lineItem]);
      const err = await ags.findLineItems(`${lms.base}/lineitems`, {}).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ServiceError);
      expect((err as Error).message).to.contain('another origin');
      expect(thief.connections()).to.equal(0);
    } finally {
      await lms.close();
      await thief.close();
    }
  });
});
