import type dns from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * What the tool's outgoing HTTP client (./http-client.ts) may fetch: the kinds of call and their byte
 * caps, the policy of each environment (https only and public addresses only in production, an allow
 * list, the sandbox's own origin), and the address checks the policy applies.
 */

/** What a call fetches; each kind has its own byte cap. */
export type OutboundKind = 'openid-configuration' | 'registration' | 'jwks' | 'token' | 'ags' | 'nrps';

/** The largest (decoded) body accepted per kind. */
export const MAX_BYTES: Readonly<Record<OutboundKind, number>> = {
  'openid-configuration': 256 * 1024,
  registration: 256 * 1024,
  jwks: 256 * 1024,
  token: 64 * 1024,
  ags: 1024 * 1024,
  nrps: 5 * 1024 * 1024,
};

export interface OutboundPolicy {
  /** Only https URLs (production). */
  requireHttps: boolean;
  /** Refuse destinations that are not public unicast addresses (production), unless allow-listed. */
  blockPrivate: boolean;
  /** Host names (exact, case-insensitive), IP addresses and CIDR ranges let through blockPrivate. */
  allowHosts: readonly string[];
  /**
   * The tool's own origin when it serves the sandbox LMS in production: calls to exactly this origin (its
   * scheme, host and port) are the sandbox's, and may use its scheme (a benchmark behind plain http).
   */
  selfOrigin?: string;
  /** Time to resolve, connect and finish TLS. */
  connectTimeoutMs: number;
  /** Time for the whole call, body included (a call may ask for its own). */
  timeoutMs: number;
  userAgent: string;
  /** The DNS lookup (tests give a fake resolver; default dns.lookup with all addresses). */
  resolve?: (hostname: string, family: number) => Promise<dns.LookupAddress[]>;
}

/** The User-Agent of every call the tool makes to an LMS (Canvas refuses calls without one). */
export const OUTBOUND_USER_AGENT = 'Mastery-LTI/0.1 (+https://github.com/mastery-lti)';

export const DEFAULT_POLICY: OutboundPolicy = {
  requireHttps: false,
  blockPrivate: false,
  allowHosts: [],
  connectTimeoutMs: 5_000,
  timeoutMs: 10_000,
  userAgent: OUTBOUND_USER_AGENT,
};

/** The policy of an environment: production fetches https only and public addresses only. */
export function policyFor(opts: { production: boolean; allowHosts?: readonly string[]; timeoutMs?: number }): OutboundPolicy {
  return {
    ...DEFAULT_POLICY,
    requireHttps: opts.production,
    blockPrivate: opts.production,
    allowHosts: opts.allowHosts ?? [],
    timeoutMs: opts.timeoutMs ?? DEFAULT_POLICY.timeoutMs,
  };
}

/**
 * The policy of a process from its settings: production policy in production, with the allow list;
 * a sandbox LMS turned on in production is the tool's own PUBLIC_URL host, so that host is allowed too.
 */
export function outboundPolicyOf(settings: { nodeEnv: string; publicUrl: string; sandbox: boolean; outboundAllowHosts: readonly string[] }): OutboundPolicy {
  const production = settings.nodeEnv === 'production';
  const allowHosts = [...settings.outboundAllowHosts];
  if (!(production && settings.sandbox)) return policyFor({ production, allowHosts });
  const self = new URL(settings.publicUrl);
  return { ...policyFor({ production, allowHosts: [...allowHosts, self.hostname] }), selfOrigin: self.origin };
}

/** Whether an address is public unicast: anything ipaddr.js puts in a special range is not. */
export function isPublicAddress(address: string): boolean {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns IPv4-mapped (and IPv4-compatible) IPv6 addresses into the IPv4 address they carry.
    a = ipaddr.process(address);
  } catch {
    return false;
  }
  return a.range() === 'unicast';
}

export type AllowEntry = { host: string } | { cidr: [ipaddr.IPv4 | ipaddr.IPv6, number] };

/** Parses OUTBOUND_ALLOW_HOSTS entries; throws on an entry that is neither a host name, an address nor a CIDR. */
export function parseAllowHosts(entries: readonly string[]): AllowEntry[] {
  return entries.map((raw) => {
    const e = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (ipaddr.isValidCIDR(e)) {
      const [addr, bits] = ipaddr.parseCIDR(e);
      return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() ? { cidr: [(addr as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)] } : { cidr: [addr, bits] };
    }
    if (ipaddr.isValid(e)) {
      const addr = ipaddr.process(e);
      return { cidr: [addr, addr.kind() === 'ipv4' ? 32 : 128] };
    }
    if (/^(?=.{1,253}\.?$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/.test(e)) return { host: e.replace(/\.$/, '') };
    throw new Error(`"${raw}" is not a host name, an IP address or a CIDR range`);
  });
}

/** A host name as compared: lower case, without IPv6 brackets or a trailing dot. */
export const normalizeHost = (h: string) => h.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
