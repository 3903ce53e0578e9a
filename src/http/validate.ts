import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { badRequest } from './errors.js';

interface Schemas {
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
}
type Out<S, K extends keyof Schemas> = K extends keyof S ? (S[K] extends z.ZodType ? z.output<S[K]> : undefined) : undefined;
/** The parsed input of one request. */
export type Input<S extends Schemas> = { body: Out<S, 'body'>; query: Out<S, 'query'>; params: Out<S, 'params'> };

export interface Validator<S extends Schemas> extends RequestHandler {
  /** The request's parsed input (after this middleware ran). */
  input(res: Response): Input<S>;
}

const KEY = Symbol('validated input');

/** The one message of a failed validation: each problem's message, in order. */
export function issuesMessage(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => i.message).join(' ');
}

/**
 * `validate({ body, query, params })`: parses the request's parts with zod and keeps the typed result for
 * the handler (`v.input(res)`). An invalid request gets the one 400 shape: an AppError `bad_request` whose
 * message joins the problems and whose details list them (`{ path, message }`). A form page that shows the
 * problem itself passes `invalid` (called with the message instead).
 */
export function validate<S extends Schemas>(schemas: S, opts: { invalid?: (message: string, req: Request, res: Response) => unknown } = {}): Validator<S> {
  const handler = (async (req: Request, res: Response, next: NextFunction) => {
    const out: Record<string, unknown> = {};
    const issues: z.core.$ZodIssue[] = [];
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const parsed = await schema.safeParseAsync(req[part]);
      if (parsed.success) out[part] = parsed.data;
      else issues.push(...parsed.error.issues.map((i) => ({ ...i, path: [part, ...i.path] })));
    }
    if (issues.length === 0) {
      res.locals[KEY as unknown as string] = out;
      return next();
    }
    const message = issuesMessage(issues);
    if (opts.invalid) {
      try {
        await opts.invalid(message, req, res);
      } catch (err) {
        next(err);
      }
      return;
    }
    next(badRequest(message, issues.map((i) => ({ path: i.path.join('.'), message: i.message }))));
  }) as Validator<S>;
  handler.input = (res) => res.locals[KEY as unknown as string] as Input<S>;
  return handler;
}
