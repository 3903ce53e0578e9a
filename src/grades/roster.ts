import type { Logger } from 'pino';
import type { Queryable } from '../db/index.js';
import { fetchMemberships, type Member } from '../lti/nrps.js';
import type { PlatformRegistry } from '../lti/registry.js';
import { mapRoles } from '../lti/roles.js';
import { ServiceError, type ServiceTokens } from '../lti/service-token.js';

export type { Member };

/** A roster, or why there is none: the dashboard shows its "not started yet" list only with `ok`. */
export type Roster =
  | { status: 'ok'; members: (Member & { isLearner: boolean })[]; fetchedAt: Date }
  /** no_service: the launch had no NRPS claim; scope_denied: the platform refused; error: unreachable or malformed. */
  | { status: 'unavailable'; reason: 'no_service' | 'scope_denied' | 'error'; message: string };

/**
 * The course roster through NRPS 2.0, cached per (tenant, context) for ROSTER_TTL_MS so a dashboard
 * refreshing every few seconds costs one roster fetch per TTL. Failures are answered, not thrown.
 */
export class RosterService {
  private cache = new Map<string, { at: number; roster: Roster }>();
  private inflight = new Map<string, Promise<Roster>>();

  constructor(private readonly deps: { db: Queryable; registry: PlatformRegistry; tokens: ServiceTokens; log: Logger; ttlMs: number }) {}

  /** The roster of a course (the context id of the launch), from the cache when fresh. */
  async fetchRoster(tenantId: string, contextId: string): Promise<Roster> {
    const key = `${tenantId} ${contextId}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.deps.ttlMs) return hit.roster;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.load(tenantId, contextId).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const roster = await p;
    // Errors are cached briefly too, so a denied scope is not asked again on every page view.
    this.cache.set(key, { at: roster.status === 'ok' || roster.reason !== 'error' ? Date.now() : Date.now() - this.deps.ttlMs / 2, roster });
    return roster;
  }

  /** Forgets cached rosters (all, or one course's). */
  invalidate(tenantId?: string, contextId?: string): void {
    if (!tenantId) this.cache.clear();
    else this.cache.delete(`${tenantId} ${contextId}`);
  }

  private async load(tenantId: string, contextId: string): Promise<Roster> {
    const { rows } = await this.deps.db.query<{ nrps_url: string | null; platform_id: string }>(
      `SELECT c.nrps_url, t.platform_id FROM contexts c JOIN tenants t ON t.id = c.tenant_id WHERE c.tenant_id = $1 AND c.id = $2`,
      [tenantId, contextId],
    );
    const r = rows[0];
    if (!r?.nrps_url) return { status: 'unavailable', reason: 'no_service', message: 'The LMS did not offer the roster service (NRPS) for this course.' };
    try {
      const platform = await this.deps.registry.get(r.platform_id);
      const members = await fetchMemberships(this.deps.tokens, platform, r.nrps_url);
      return { status: 'ok', members: members.map((m) => ({ ...m, isLearner: isLearner(m.roles) })), fetchedAt: new Date() };
    } catch (err) {
      const e = err as Error;
      if (err instanceof ServiceError && err.code === 'scope_denied') {
        this.deps.log.info({ tenant: tenantId, why: e.message }, 'roster unavailable: scope denied');
        return { status: 'unavailable', reason: 'scope_denied', message: 'The LMS does not allow this tool to read the course roster.' };
      }
      this.deps.log.warn({ tenant: tenantId, err: e.message }, 'roster fetch failed');
      return { status: 'unavailable', reason: 'error', message: 'The course roster could not be read from the LMS right now.' };
    }
  }
}

/** A learner of the course (NRPS roles are LIS role URIs, matched exactly by mapRoles) and not staff. */
function isLearner(roles: string[]): boolean {
  const mapped = mapRoles(roles);
  return mapped.includes('student') && !mapped.includes('instructor');
}
