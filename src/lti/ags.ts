import type { Platform } from './registry.js';
import { sameOriginNext } from './http-client.js';
import { errorFromResponse, SCOPE, serviceErrorFrom, serviceFetch, ServiceError, urlForLog, type ServiceTokens } from './service-token.js';

/** AGS 2.0 §3.4.4 activityProgress values. */
export type ActivityProgress = 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
/** AGS 2.0 §3.4.5 gradingProgress values. */
export type GradingProgress = 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';

/** A line item as AGS 2.0 §3.2 describes it. */
export interface LineItem {
  id?: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  resourceLinkId?: string;
  tag?: string;
}

/** A score as AGS 2.0 §3.4 describes it, plus the Canvas submission extension. */
export interface AgsScore {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  /** ISO 8601 with milliseconds; must increase for every score of a (line item, user): Canvas compares milliseconds (else 400), Moodle whole seconds (else 409). */
  timestamp: string;
  'https://canvas.instructure.com/lti/submission'?: { new_submission: boolean };
}

/** Canvas's submission extension of a score (Canvas-only: other platforms get no such field). */
export const CANVAS_SUBMISSION = 'https://canvas.instructure.com/lti/submission';

/**
 * Whether scores go to Canvas: the launch said so (tool_platform.product_family_code `canvas`), the
 * platform was registered with a Canvas preset, or its issuer is an Instructure host.
 */
export function isCanvasPlatform(platform: Pick<Platform, 'preset' | 'issuer'>, productFamily?: string | null): boolean {
  if (productFamily) return productFamily.toLowerCase() === 'canvas';
  if (platform.preset?.startsWith('canvas')) return true;
  try {
    const host = new URL(platform.issuer).hostname.toLowerCase();
    return host === 'instructure.com' || host.endsWith('.instructure.com');
  } catch {
    return false;
  }
}

/**
 * The body of a score (AGS 2.0 §3.4) for one user: the stored fields, the timestamp with milliseconds
 * (chosen by the outbox's whole-second rule, src/grades/timestamps.ts), and for Canvas only the
 * submission extension (without new_submission false every update would be a new attempt).
 */
export function scoreBody(opts: {
  userId: string;
  score: Omit<AgsScore, 'userId' | 'timestamp' | typeof CANVAS_SUBMISSION>;
  timestamp: Date;
  canvas: boolean;
  firstSubmission: boolean;
}): AgsScore {
  return {
    userId: opts.userId,
    ...opts.score,
    timestamp: opts.timestamp.toISOString(),
    ...(opts.canvas ? { [CANVAS_SUBMISSION]: { new_submission: opts.firstSubmission } } : {}),
  };
}

const LINEITEM_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';
const CONTAINER_TYPE = 'application/vnd.ims.lis.v2.lineitemcontainer+json';
const SCORE_TYPE = 'application/vnd.ims.lis.v1.score+json';

export { nextLink } from './http-client.js';

/** Appends a path segment to a service URL before its query (AGS 2.0 §3.4: scores are `{lineitem}/scores`). */
export function withPath(url: string, segment: string): string {
  const u = new URL(url);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${segment}`;
  return u.toString();
}

/**
 * A client for one platform's Assignment and Grade Services (AGS 2.0), with the token taken from the
 * shared ServiceTokens cache; a 401 drops the token and retries once with a fresh one.
 */
export class AgsClient {
  constructor(private readonly tokens: ServiceTokens, private readonly platform: Platform, private readonly scopes: readonly string[], private readonly timeoutMs = 10_000) {}

  /** Runs one authorised call; on 401 the token is refreshed once (AGS relies on OAuth 2 bearer tokens, RFC 6750 §3.1). */
  async call(url: string, init: RequestInit, what: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const t = await this.tokens.get(this.platform, this.scopes);
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${t.token}`);
      const res = await serviceFetch(url, { ...init, headers }, what, this.timeoutMs);
      if (res.status === 401 && attempt === 0) {
        await res.body?.cancel().catch(() => undefined);
        this.tokens.invalidate(this.platform, this.scopes, t.token);
        continue;
      }
      if (!res.ok) throw await errorFromResponse(res, what);
      return res;
    }
  }

  /** Line items of a context filtered by resource link, resource id and tag (AGS 2.0 §3.2.5), following next pages. */
  async findLineItems(lineitemsUrl: string, filter: { resourceLinkId?: string; resourceId?: string; tag?: string }): Promise<LineItem[]> {
    const u = new URL(lineitemsUrl);
    if (filter.resourceLinkId) u.searchParams.set('resource_link_id', filter.resourceLinkId);
    if (filter.resourceId) u.searchParams.set('resource_id', filter.resourceId);
    if (filter.tag) u.searchParams.set('tag', filter.tag);
    const out: LineItem[] = [];
    let next: string | undefined = u.toString();
    for (let page = 0; next && page < 50; page++) {
      const res = await this.call(next, { headers: { accept: CONTAINER_TYPE } }, `GET line items ${urlForLog(next)}`);
      const body = await readJson(res, 'the line items list');
      if (!Array.isArray(body)) throw new ServiceError('malformed', 'the line items list is not a JSON array', res.status);
      for (const li of body as LineItem[]) {
        if (!li || typeof li !== 'object' || typeof li.id !== 'string') continue;
        // Some platforms ignore the filters: check them here too.
        if (filter.resourceLinkId && li.resourceLinkId !== undefined && li.resourceLinkId !== filter.resourceLinkId) continue;
        if (filter.resourceId !== undefined && (li.resourceId ?? '') !== filter.resourceId) continue;
        if (filter.tag !== undefined && (li.tag ?? '') !== filter.tag) continue;
        out.push(li);
      }
      try {
        // Only on the line items URL's own origin: a next page elsewhere would get our bearer token.
        next = sameOriginNext(res.headers.get('link'), next, u.origin, 'the line items service');
      } catch (err) {
        throw serviceErrorFrom(err, 'the line items service');
      }
    }
    return out;
  }

  /** Creates a line item (AGS 2.0 §3.2.6); needs the lineitem scope. Returns its URL (the `id`). */
  async createLineItem(lineitemsUrl: string, item: LineItem): Promise<LineItem & { id: string }> {
    if (!this.scopes.includes(SCOPE.lineItem)) throw new ServiceError('scope_denied', 'the platform did not grant the lineitem scope', undefined, false);
    const res = await this.call(lineitemsUrl, { method: 'POST', headers: { 'content-type': LINEITEM_TYPE, accept: LINEITEM_TYPE }, body: JSON.stringify(item) }, `POST line item ${urlForLog(lineitemsUrl)}`);
    const body = (await readJson(res, 'the created line item')) as LineItem;
    if (!body || typeof body !== 'object' || typeof body.id !== 'string' || !/^https?:\/\//.test(body.id)) {
      throw new ServiceError('malformed', 'the created line item has no id URL', res.status);
    }
    return body as LineItem & { id: string };
  }

  /** Posts a score to a line item (AGS 2.0 §3.4); the response body is not needed. */
  async postScore(lineitemUrl: string, score: AgsScore): Promise<number> {
    const url = withPath(lineitemUrl, 'scores');
    const res = await this.call(url, { method: 'POST', headers: { 'content-type': SCORE_TYPE }, body: JSON.stringify(score) }, `POST score ${urlForLog(url)}`);
    await res.body?.cancel().catch(() => undefined);
    return res.status;
  }
}

async function readJson(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ServiceError('malformed', `${what} is not JSON`, res.status);
  }
}
