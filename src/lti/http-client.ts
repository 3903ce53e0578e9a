import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';
import { DEFAULT_POLICY, isPublicAddress, MAX_BYTES, normalizeHost, parseAllowHosts, policyFor, type AllowEntry, type OutboundKind, type OutboundPolicy } from './outbound-policy.js';

export { DEFAULT_POLICY, isPublicAddress, MAX_BYTES, OUTBOUND_USER_AGENT, outboundPolicyOf, parseAllowHosts, policyFor, type OutboundKind, type OutboundPolicy } from './outbound-policy.js';

/**
 * The one HTTP client for every call the tool makes to an LMS: OpenID configuration and registration
 * (Dynamic Registration), the platform's JWKS, the OAuth token endpoint, AGS and NRPS.
 *
 * Every call has a byte cap for its kind (the body is streamed and the request aborted past it, so a
 * 300 MB answer costs at most the cap), a connect timeout and a total timeout, and never follows a
 * redirect (a 3xx is an error). With `requireHttps` only https URLs are fetched; with `blockPrivate`
 * every address a host name resolves to must be a public unicast address (loopback, RFC 1918 private,
 * carrier-grade NAT, link-local, unique-local, multicast, unspecified, reserved and documentation
 * ranges are refused) unless the host or the address is on the allow list, and the connection goes to
 * exactly the addresses that were checked (the check runs inside the socket's DNS lookup, so a second,
 * different DNS answer cannot slip in between: no DNS rebinding). Production turns both on;
 * development and tests (the sandbox LMS on localhost) keep both off.
 */

/**
 * Why a call was refused or failed before an HTTP answer could be used. The message names the host and
 * path only (never a query, a token or a body).
 */
export class OutboundError extends Error {
  constructor(
    readonly code: 'invalid_url' | 'scheme' | 'destination' | 'redirect' | 'too_large' | 'timeout' | 'connect_timeout' | 'network' | 'bad_status',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OutboundError';
  }

  /** A refusal by policy (scheme, destination): sending again cannot help until the settings change. */
  get refused(): boolean {
    return this.code === 'invalid_url' || this.code === 'scheme' || this.code === 'destination';
  }
}

/** host + path of a URL for logs and messages (a query may hold secrets on some LMSs). */
export function hostAndPath(u: string | URL): string {
  try {
    const x = typeof u === 'string' ? new URL(u) : u;
    return `${x.host}${x.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** The `rel="next"` target of a Link header (RFC 8288), as AGS 2.0 §3.2.5 and NRPS 2.0 §2.4.2 page. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = part.match(/<([^>]+)>\s*;(.*)$/);
    if (m && /\brel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2])) return m[1].trim();
  }
  return undefined;
}

/**
 * The next page of a paged LMS service (Link rel="next", resolved against the current page), or
 * undefined when there is none; a next page on another origin than the service's is refused (it
 * would be fetched with our bearer token).
 */
export function sameOriginNext(linkHeader: string | null, current: string, origin: string, what: string): string | undefined {
  const target = nextLink(linkHeader);
  if (!target) return undefined;
  let u: URL;
  try {
    u = new URL(target, current);
  } catch {
    throw new OutboundError('invalid_url', `${what} sent a next page link that is not a URL`);
  }
  if (u.origin !== origin) throw new OutboundError('destination', `${what} sent a next page on another origin (${u.host}); not followed`);
  return u.toString();
}

export interface OutboundRequest {
  kind: OutboundKind;
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array;
  /** Total time for this call (default: the policy's). */
  timeoutMs?: number;
  /** A caller's own abort (jose passes one for the JWKS). */
  signal?: AbortSignal | null;
}

/** An answer read in full, within its kind's byte cap. */
export class OutboundResponse {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: Headers,
    readonly body: Buffer,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  /** The body as JSON; throws a SyntaxError when it is not. */
  json(): unknown {
    return JSON.parse(this.text());
  }

  /** The same answer as a WHATWG Response (for jose and the code written against fetch). */
  toResponse(): Response {
    const nullBody = this.status === 204 || this.status === 205 || this.status === 304;
    return new Response(nullBody ? null : new Uint8Array(this.body), { status: this.status, headers: this.headers });
  }
}

export class HttpClient {
  readonly policy: OutboundPolicy;
  private readonly allow: AllowEntry[];
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(policy: Partial<OutboundPolicy> = {}) {
    this.policy = { ...DEFAULT_POLICY, ...policy };
    this.allow = parseAllowHosts(this.policy.allowHosts);
    const lookup = this.policy.blockPrivate ? this.checkedLookup() : undefined;
    // Keep-alive (a burst of scores reuses one connection); idle sockets are dropped before most servers' 5 s.
    const opts = { keepAlive: true, maxSockets: 64, timeout: 4_000, ...(lookup ? { lookup } : {}) };
    this.agents = { http: new http.Agent(opts), https: new https.Agent(opts) };
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private hostAllowed(hostname: string): boolean {
    const h = normalizeHost(hostname);
    return this.allow.some((e) => 'host' in e && e.host === h);
  }

  /** Whether one resolved (or literal) address may be connected to under this policy. */
  addressAllowed(address: string, hostname: string): boolean {
    if (!this.policy.blockPrivate || isPublicAddress(address) || this.hostAllowed(hostname)) return true;
    let a: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      a = ipaddr.process(address);
    } catch {
      return false;
    }
    return this.allow.some((e) => 'cidr' in e && e.cidr[0].kind() === a.kind() && a.match(e.cidr));
  }

  private async resolveAll(hostname: string, family: number): Promise<dns.LookupAddress[]> {
    if (this.policy.resolve) return this.policy.resolve(hostname, family);
    return dns.promises.lookup(hostname, { all: true, family, verbatim: true });
  }

  /**
   * The socket's DNS lookup: resolves every address, refuses the connection if any of them is not
   * allowed, and hands exactly the checked addresses to the socket (pinned: no second lookup).
   */
  private checkedLookup(): net.LookupFunction {
    return (hostname, options, callback) => {
      const family = typeof options.family === 'number' ? options.family : 0;
      this.resolveAll(hostname, family).then(
        (addresses) => {
          if (!addresses.length) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
          const bad = addresses.find((a) => !this.addressAllowed(a.address, hostname));
          if (bad) {
            return callback(new OutboundError('destination', `${hostname} resolves to a private or reserved address; set OUTBOUND_ALLOW_HOSTS to allow it`) as NodeJS.ErrnoException, '', 0);
          }
          if (options.all) callback(null, addresses);
          else callback(null, addresses[0].address, addresses[0].family);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    };
  }

  /** Checks a URL against the policy before any connection is made. */
  check(raw: string | URL): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundError('invalid_url', 'the LMS URL is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError('scheme', `${hostAndPath(url)}: only http(s) URLs are fetched`);
    if (this.policy.requireHttps && url.protocol !== 'https:' && url.origin !== this.policy.selfOrigin) throw new OutboundError('scheme', `${hostAndPath(url)}: only https URLs are fetched in production`);
    if (url.username || url.password) throw new OutboundError('invalid_url', `${hostAndPath(url)}: URLs with credentials are not fetched`);
    const host = normalizeHost(url.hostname);
    // A literal address never goes through the lookup: check it here.
    if (net.isIP(host) && !this.addressAllowed(host, host)) {
      throw new OutboundError('destination', `${hostAndPath(url)}: a private or reserved address; set OUTBOUND_ALLOW_HOSTS to allow it`);
    }
    return url;
  }

  /** One call: checked, capped, timed, redirects refused. Non-2xx answers are returned, not thrown. */
  async request(raw: string | URL, req: OutboundRequest): Promise<OutboundResponse> {
    const url = this.check(raw);
    const maxBytes = MAX_BYTES[req.kind];
    const where = hostAndPath(url);
    const headers = new Headers(req.headers);
    headers.set('user-agent', this.policy.userAgent);
    if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip, deflate, br');
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.from(req.body);
    if (body) headers.set('content-length', String(body.length));
    const outgoing: Record<string, string> = {};
    headers.forEach((v, k) => (outgoing[k] = v));
    const isHttps = url.protocol === 'https:';
    const totalMs = req.timeoutMs ?? this.policy.timeoutMs;
    const connectMs = Math.min(this.policy.connectTimeoutMs, totalMs);

    return new Promise<OutboundResponse>((resolve, reject) => {
      let done = false;
      let stream: Readable | undefined;
      const timers: NodeJS.Timeout[] = [];
      const finish = (err: Error | undefined, value?: OutboundResponse) => {
        if (done) return;
        done = true;
        for (const t of timers) clearTimeout(t);
        req.signal?.removeEventListener('abort', onAbort);
        if (err) {
          stream?.destroy();
          request.destroy();
          reject(err);
        } else resolve(value!);
      };
      const onAbort = () => {
        const reason = req.signal?.reason as Error | undefined;
        finish(reason instanceof Error ? reason : new OutboundError('timeout', `${where}: aborted`));
      };
      const request = (isHttps ? https : http).request(url, {
        method: req.method ?? 'GET',
        headers: outgoing,
        agent: isHttps ? this.agents.https : this.agents.http,
      });
      timers.push(setTimeout(() => finish(new OutboundError('timeout', `${where}: no complete answer within ${totalMs} ms`)), totalMs));
      const connectTimer = setTimeout(() => finish(new OutboundError('connect_timeout', `${where}: no connection within ${connectMs} ms`)), connectMs);
      timers.push(connectTimer);
      request.on('socket', (socket) => {
        // A pooled keep-alive socket is connected already; a new one is done after TCP (and TLS).
        if (!socket.connecting) clearTimeout(connectTimer);
        else socket.once(isHttps ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      });
      if (req.signal) {
        if (req.signal.aborted) return onAbort();
        req.signal.addEventListener('abort', onAbort, { once: true });
      }
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof OutboundError) return finish(err);
        finish(new OutboundError('network', `${where}: ${err.code ?? err.message}`));
      });
      request.on('response', (res) => {
        clearTimeout(connectTimer);
        readAnswer(res, url, where, maxBytes, finish, (s) => (stream = s));
      });
      request.end(body);
    });
  }

  /** A fetch-shaped function for libraries that take one (jose's JWKS): GET only, as this kind. */
  fetchFor(kind: OutboundKind): (input: string | URL, init?: { headers?: HeadersInit; signal?: AbortSignal | null; method?: string }) => Promise<Response> {
    return async (input, init = {}) => (await this.request(input, { kind, method: init.method, headers: init.headers, signal: init.signal })).toResponse();
  }
}

/**
 * Reads an answer in full within `maxBytes` (the wire bytes and the decoded ones: gzip, deflate and br are
 * decoded), refusing redirects and statuses outside 200-599, and settles the call through `finish`.
 * `setStream` receives the stream read (so a failure can destroy it).
 */
function readAnswer(res: http.IncomingMessage, url: URL, where: string, maxBytes: number, finish: (err: Error | undefined, value?: OutboundResponse) => void, setStream: (s: Readable) => void): void {
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    return finish(new OutboundError('redirect', `${where} answered a redirect (${status}); redirects are not followed`, status));
  }
  if (status < 200 || status > 599) return finish(new OutboundError('bad_status', `${where} answered status ${status}`, status));
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return finish(new OutboundError('too_large', `${where}: the answer is larger than ${maxBytes} bytes`, status));
  }
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  let stream: Readable = res;
  setStream(stream);
  if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(zlib.createGunzip());
  else if (encoding === 'deflate') stream = res.pipe(zlib.createInflate());
  else if (encoding === 'br') stream = res.pipe(zlib.createBrotliDecompress());
  else if (encoding && encoding !== 'identity') return finish(new OutboundError('bad_status', `${where}: unsupported content-encoding`, status));
  setStream(stream);
  const chunks: Buffer[] = [];
  let size = 0;
  let wire = 0;
  res.on('data', (c: Buffer) => {
    wire += c.length;
    if (wire > maxBytes) finish(new OutboundError('too_large', `${where}: the answer is larger than ${maxBytes} bytes`, status));
  });
  stream.on('data', (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) return finish(new OutboundError('too_large', `${where}: the answer is larger than ${maxBytes} bytes`, status));
    chunks.push(c);
  });
  stream.on('error', (err: NodeJS.ErrnoException) => finish(new OutboundError('network', `${where}: ${err.code ?? err.message}`, status)));
  res.on('aborted', () => finish(new OutboundError('network', `${where}: the answer was cut off`, status)));
  res.on('error', (err: NodeJS.ErrnoException) => finish(new OutboundError('network', `${where}: ${err.code ?? err.message}`, status)));
  stream.on('end', () => {
    const h = new Headers();
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
      try {
        h.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
      } catch {
        // a header value Headers will not hold is dropped
      }
    }
    if (encoding) {
      h.delete('content-encoding');
      h.delete('content-length');
    }
    finish(undefined, new OutboundResponse(url.toString(), status, h, Buffer.concat(chunks, size)));
  });
}

let current: { key: string; client: HttpClient } | undefined;

/** The process's client (production policy when NODE_ENV=production until configureOutbound runs). */
export function outbound(): HttpClient {
  if (!current) configureOutbound(policyFor({ production: process.env.NODE_ENV === 'production' }));
  return current!.client;
}

/**
 * Sets the process's outgoing policy (startServer and the worker do, from the settings). The client
 * is kept when the policy is unchanged, so connections already open stay pooled.
 */
export function configureOutbound(policy: OutboundPolicy): HttpClient {
  const { resolve, ...rest } = policy;
  const key = resolve ? '' : JSON.stringify(rest);
  if (current && key && current.key === key) return current.client;
  current = { key, client: new HttpClient(policy) };
  return current.client;
}
