import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from './errors.js';
import { RateLimited } from './rate-limits.js';
import { languageOf, translator } from '../i18n/index.js';

/** Random bytes drawn from the CSPRNG in blocks: one getrandom call serves 256 nonces. */
const NONCE_BYTES = 16;
let noncePool = Buffer.alloc(0);
let nonceAt = 0;

/** A fresh 128-bit random nonce, base64 (CSP Level 3 asks for at least 128 bits). */
export function newNonce(): string {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = crypto.randomBytes(NONCE_BYTES * 256);
    nonceAt = 0;
  }
  const nonce = noncePool.toString('base64', nonceAt, nonceAt + NONCE_BYTES);
  noncePool.fill(0, nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** Per-response CSP nonce for our few inline scripts. */
export function cspNonce(_req: Request, res: Response, next: NextFunction): void {
  res.locals.cspNonce = newNonce();
  next();
}

const CSP_HEAD = "default-src 'self'; script-src 'self' ";
const CSP_MIDDLE = [
  '',
  "style-src 'self'",
  "style-src-attr 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self' *",
  "base-uri 'none'",
  "object-src 'none'",
  'frame-ancestors ',
].join('; ');

/**
 * Security headers. Pages may be framed only by the LMS that launched the session (frame-ancestors);
 * login/launch/error pages may be framed by any LMS since they carry nothing of the user's.
 * No external origin is allowed for scripts, styles, fonts or connections.
 */
export function securityHeaders(frameAncestors: (res: Response) => string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const origSend = res.send.bind(res);
    res.send = (body?: unknown) => {
      if (!res.getHeader('Content-Security-Policy')) {
        res.setHeader('Content-Security-Policy', `${CSP_HEAD}'nonce-${res.locals.cspNonce}'${CSP_MIDDLE}${frameAncestors(res)}`);
      }
      return origSend(body);
    };
    next();
  };
}

/** Logs each request with its path, status and time; never the query string or headers. */
export function requestLog(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const entry = { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) log.error(entry, 'request');
      else log.debug(entry, 'request');
    });
    next();
  };
}

const wantsJson = (req: Request) => req.path.startsWith('/admin/api') || req.path.startsWith('/api/') || (req.get('accept') ?? '').startsWith('application/json');

/**
 * The one place that answers errors: AppError with its status and message; body-parser errors as 4xx;
 * anything else as a 500 with a generic message. Never sends a stack trace or an internal message.
 */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let appErr: AppError;
    const e = err as { type?: string; status?: number; message?: string; code?: string };
    if (err instanceof AppError) appErr = err;
    else if (e?.type === 'entity.too.large') appErr = new AppError('too_large', 413, 'The request is too large.');
    else if (e?.type === 'entity.parse.failed') appErr = new AppError('bad_json', 400, 'The request body is not valid JSON.');
    else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) appErr = new AppError('bad_request', e.status, 'The request could not be read.');
    else {
      log.error({ path: req.path, err: e?.message, code: e?.code }, 'unhandled error');
      appErr = new AppError('internal', 500, 'Something went wrong on our side. Please try again.');
    }
    if (appErr.status < 500 && appErr.code.startsWith('launch_refused')) log.warn({ path: req.path, code: appErr.code, why: appErr.message }, 'launch refused');
    if (res.headersSent) return;
    res.status(appErr.status);
    let message = appErr.message;
    let title = titleFor(appErr);
    let lang: string | undefined;
    if (appErr instanceof RateLimited) {
      // In the session's language, else the browser's (a login or the admin API has no session).
      const locale = (res.locals.actor as { locale?: string } | undefined)?.locale ?? (req.acceptsLanguages('en', 'es') || 'en');
      const t = translator(locale);
      lang = languageOf(locale);
      res.setHeader('Retry-After', String(appErr.retryAfterSeconds));
      message = t(appErr.limit === 'answers' ? 'errors.rate_limited_answers' : 'errors.rate_limited', { seconds: appErr.retryAfterSeconds });
      title = t('errors.rate_limited_title');
    }
    if (wantsJson(req)) {
      res.json({ error: appErr.code, message, ...(appErr.details ? { details: appErr.details } : {}) });
    } else {
      res.render('error', { title, message, code: appErr.code, status: appErr.status, lang });
    }
  };
}

function titleFor(err: AppError): string {
  if (err.code.startsWith('launch_refused') || err.code === 'login_refused') return 'This launch could not be accepted';
  if (err.status === 401) return 'Please open the activity again';
  if (err.status === 403) return 'Not allowed';
  if (err.status === 404) return 'Not found';
  if (err.status >= 500) return 'Something went wrong';
  return 'Please check your request';
}
