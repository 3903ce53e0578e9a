import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import type { Actor } from './actor.js';
import { CLAIM } from './claims.js';
import type { SigningKey } from './keys.js';
import type { Platform } from './registry.js';

/** A resource link the tool places in the course (LTI DL 2.0 §3.1 ltiResourceLink), with its grade column. */
export interface ResourceLinkItem {
  title: string;
  text?: string;
  /** Launch URL: our /lti/launch. */
  url: string;
  /** Custom parameters the LMS sends back on every launch of the link (strings). */
  custom: Record<string, string>;
  /** The line item the LMS creates with the link (AGS), when the platform accepts one. */
  lineItem?: { scoreMaximum: number; label: string; resourceId: string; tag: string };
}

/** Seconds a deep-linking response stays valid. */
export const DL_RESPONSE_TTL_S = 300;

/**
 * Signs the LtiDeepLinkingResponse (LTI DL 2.0 §4.5) with the tool's key: iss is our client id, aud the
 * platform issuer, the request's `data` echoed unchanged, one content item per placed link.
 */
export async function signDeepLinkingResponse(opts: { actor: Actor; platform: Platform; key: SigningKey; items: ResourceLinkItem[]; message?: string }): Promise<string> {
  const dl = opts.actor.deepLinking;
  if (!dl) throw new Error('not a deep-linking session');
  const items = opts.items.map((i) => ({
    type: 'ltiResourceLink',
    title: i.title,
    ...(i.text ? { text: i.text } : {}),
    url: i.url,
    custom: i.custom,
    ...(i.lineItem && dl.acceptLineItem ? { lineItem: i.lineItem } : {}),
  }));
  return new SignJWT({
    nonce: crypto.randomBytes(16).toString('base64url'),
    [CLAIM.deploymentId]: opts.actor.deploymentId,
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    'https://purl.imsglobal.org/spec/lti-dl/claim/content_items': dl.acceptMultiple ? items : items.slice(0, 1),
    ...(dl.data !== undefined ? { 'https://purl.imsglobal.org/spec/lti-dl/claim/data': dl.data } : {}),
    ...(opts.message ? { 'https://purl.imsglobal.org/spec/lti-dl/claim/msg': opts.message } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid: opts.key.kid, typ: 'JWT' })
    .setIssuer(opts.platform.clientId)
    .setAudience(opts.platform.issuer)
    .setIssuedAt()
    .setExpirationTime(`${DL_RESPONSE_TTL_S}s`)
    .sign(opts.key.key);
}
