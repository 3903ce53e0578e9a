import type { AppRole } from './roles.js';

/**
 * Who is acting, in which course and resource link, after a validated launch. Everything past src/lti
 * sees only this, never raw claims. Learners are keyed on (tenant, sub), courses on (tenant, context.id),
 * assignments on (tenant, resource_link.id).
 */
export interface Actor {
  tenantId: string;
  platformId: string;
  /** The LTI `sub` of the user. */
  userId: string;
  roles: AppRole[];
  /** The face this actor lands on. */
  role: AppRole;
  name?: string;
  locale: string;
  contextId?: string;
  contextTitle?: string;
  resourceLinkId?: string;
  resourceLinkTitle?: string;
  /** Origins allowed to frame our pages for this session (CSP frame-ancestors): the LMS that launched us. */
  frameOrigins: string[];
  /** The deployment (tenant) id as the LMS names it. */
  deploymentId?: string;
  /** Set on a Deep Linking request: where and how to return the chosen content (LTI DL 2.0 §4.4.1). */
  deepLinking?: DeepLinkingSettings;
}

/** The platform's deep_linking_settings claim, reduced to what the tool uses. */
export interface DeepLinkingSettings {
  returnUrl: string;
  /** Opaque value the tool must echo back unchanged: any JSON value (object, array, number, string…). */
  data?: unknown;
  acceptMultiple: boolean;
  acceptLineItem: boolean;
  title?: string;
}
