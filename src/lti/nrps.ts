import { sameOriginNext, type HttpClient } from './http-client.js';
import type { Platform } from './registry.js';
import { errorFromResponse, SCOPE, serviceErrorFrom, serviceFetch, ServiceError, urlForLog, type ServiceTokens } from './service-token.js';

/** One member of a context, as NRPS 2.0 §2.2 describes it (only the fields the tool uses). */
export interface Member {
  userId: string;
  status: 'Active' | 'Inactive' | 'Deleted';
  roles: string[];
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
}

const MEMBERSHIP_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';

/**
 * Reads a context's whole membership (NRPS 2.0 §2.4), following `Link: rel="next"` pages (§2.4.2) up to
 * maxPages. A refused token or a 401/403 on the service means the platform denied the scope.
 */
export async function fetchMemberships(tokens: ServiceTokens, platform: Platform, url: string, opts: { maxPages?: number; timeoutMs?: number; http?: HttpClient } = {}): Promise<Member[]> {
  const scopes = [SCOPE.nrps];
  // Pages are followed on the membership URL's own origin only: a next link elsewhere would carry our token there.
  const origin = new URL(url).origin;
  const members: Member[] = [];
  let next: string | undefined = url;
  let refreshed = false;
  for (let page = 0; next && page < (opts.maxPages ?? 200); page++) {
    const t = await tokens.get(platform, scopes);
    if (!t.scopes.includes(SCOPE.nrps)) throw new ServiceError('scope_denied', 'the platform did not grant the NRPS scope', undefined, false);
    const res = await serviceFetch(next, { headers: { accept: MEMBERSHIP_TYPE, authorization: `Bearer ${t.token}` } }, `GET memberships ${urlForLog(next)}`, opts.timeoutMs, 'nrps', opts.http);
    if (res.status === 401 && !refreshed) {
      refreshed = true;
      tokens.invalidate(platform, scopes, t.token);
      page--;
      continue;
    }
    if (res.status === 401 || res.status === 403) throw new ServiceError('scope_denied', `the memberships service answered ${res.status}`, res.status, false);
    if (!res.ok) throw await errorFromResponse(res, 'the memberships service');
    let body: { members?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new ServiceError('malformed', 'the memberships page is not JSON', res.status);
    }
    if (!Array.isArray(body?.members)) throw new ServiceError('malformed', 'the memberships page has no members array', res.status);
    for (const m of body.members as Record<string, unknown>[]) {
      if (!m || typeof m.user_id !== 'string') continue;
      const str = (k: string) => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
      const status = m.status === 'Inactive' || m.status === 'Deleted' ? m.status : 'Active';
      members.push({
        userId: m.user_id,
        status,
        roles: Array.isArray(m.roles) ? m.roles.filter((r): r is string => typeof r === 'string') : [],
        name: str('name'),
        givenName: str('given_name'),
        familyName: str('family_name'),
        email: str('email'),
      });
    }
    try {
      next = sameOriginNext(res.headers.get('link'), next, origin, 'the memberships service');
    } catch (err) {
      throw serviceErrorFrom(err, 'the memberships service');
    }
  }
  return members;
}
