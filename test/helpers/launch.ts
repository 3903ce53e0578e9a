import type { RunningServer } from '../../src/server.js';
import type { Flavor } from '../../src/sandbox/platform.js';

/** A tiny browser: follows our redirects by hand and keeps cookies per name. */
export class Browser {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size && url.startsWith(this.base)) headers.set('cookie', this.cookieHeader());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

/** Reads the hidden fields of the first form in an HTML page. */
export function formFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) out[m[1]] = decodeEntities(m[2]);
  return out;
}

export function decodeEntities(s: string): string {
  return s.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function dataAttr(html: string, name: string): string | undefined {
  const m = html.match(new RegExp(`data-${name}="([^"]*)"`));
  return m ? decodeEntities(m[1]) : undefined;
}

export interface LaunchStart {
  browser: Browser;
  /** The id_token and state the sandbox LMS posts back to the tool. */
  idToken: string;
  state: string;
  /** The nonce the tool sent in its authorization request. */
  nonce: string;
  /** In storage mode: the browser secret the login page put in platform storage. */
  storageSecret?: string;
}

/** Runs the OIDC login and the sandbox's authorization, stopping before the launch POST. */
export async function beginLaunch(srv: RunningServer, opts: { user: string; flavor?: Flavor; link?: string; storage?: boolean; custom?: Record<string, string> }): Promise<LaunchStart> {
  const sandbox = srv.services.sandbox!;
  const browser = new Browser(srv.url);
  const login = await browser.fetch(await sandbox.loginUrl(opts));
  let authUrl: string;
  let storageSecret: string | undefined;
  if (opts.storage) {
    if (login.status !== 200) throw new Error(`storage login answered ${login.status}: ${await login.text()}`);
    const html = await login.text();
    authUrl = dataAttr(html, 'auth')!;
    storageSecret = dataAttr(html, 'value');
  } else {
    if (login.status !== 302) throw new Error(`login answered ${login.status}: ${await login.text()}`);
    authUrl = login.headers.get('location')!;
  }
  const nonce = new URL(authUrl).searchParams.get('nonce')!;
  const auth = await browser.fetch(authUrl);
  if (auth.status !== 200) throw new Error(`sandbox auth answered ${auth.status}: ${await auth.text()}`);
  const fields = formFields(await auth.text());
  return { browser, idToken: fields.id_token, state: fields.state, nonce, storageSecret };
}

/** Posts a launch form to the tool as the browser. */
export async function postLaunch(b: Browser, fields: Record<string, string>): Promise<Response> {
  return b.fetch(`${b.base}/lti/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The session token a page carries onward (hidden form field, or the dashboard's live-refresh attribute). */
export function ltikOf(html: string): string | undefined {
  const m = html.match(/name="ltik" value="([^"]+)"/) ?? html.match(/data-ltik="([^"]+)"/);
  return m ? decodeEntities(m[1]) : undefined;
}

/**
 * Opens the landing URL of a launch (`/practice?code=…`): the page spends the one-time code and carries
 * the session token in its forms.
 */
export async function land(browser: Browser, location: string): Promise<{ landing: Response; html: string; ltik: string }> {
  const landing = await browser.fetch(location);
  const html = await landing.text();
  if (landing.status !== 200) throw new Error(`landing answered ${landing.status}: ${html.slice(0, 500)}`);
  return { landing, html, ltik: ltikOf(html) ?? '' };
}

/**
 * A complete launch, landed: the landing URL (its one-time code is spent), the landing page and the
 * session token it carries.
 */
export async function launch(srv: RunningServer, opts: { user: string; flavor?: Flavor; link?: string; storage?: boolean; custom?: Record<string, string> }): Promise<{ location: string; ltik: string; browser: Browser; landing: Response; html: string }> {
  const s = await beginLaunch(srv, opts);
  const res = await postLaunch(s.browser, { id_token: s.idToken, state: s.state, ...(opts.storage ? { lti_storage_secret: s.storageSecret! } : {}) });
  if (res.status !== 303) throw new Error(`launch answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  const location = new URL(res.headers.get('location')!, srv.url).toString();
  return { location, browser: s.browser, ...(await land(s.browser, location)) };
}
