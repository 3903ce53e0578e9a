/**
 * The multipart form of the content upload: fields and one file, parsed while streaming (busboy) with the
 * upload limit enforced on the way in. A file over the limit is drained and dropped, never buffered whole,
 * and the request goes on with `tooLarge` set so the page can say so (its session field came first).
 */
import busboy from 'busboy';
import type { NextFunction, Request, Response } from 'express';
import { AppError, badRequest } from '../http/errors.js';

/** What the upload form sent. */
export interface UploadedForm {
  fields: Record<string, string>;
  file: { name: string; bytes: Buffer } | null;
  /** The file was over the limit (its size so far). */
  tooLarge: number | null;
}

const KEY = 'uploadedForm';

export function uploadedForm(res: Response): UploadedForm {
  return res.locals[KEY] as UploadedForm;
}

/**
 * Parses a multipart/form-data request into res.locals (and `req.body` = its text fields). A body far over
 * the limit is refused before it is read. With `verify`, the file is kept only when the session field that
 * precedes it in the form is a valid session: anybody else's upload is drained without being buffered (the
 * session check after this middleware then refuses the request).
 */
export function multipartUpload(opts: { maxFileBytes: number; maxFields?: number; verify?: (token: string) => Promise<unknown> }) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) {
      next(badRequest('The upload must be sent as a form with a file (multipart/form-data).'));
      return;
    }
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > opts.maxFileBytes + 1024 * 1024) {
      res.setHeader('Connection', 'close');
      next(new AppError('upload_too_large', 413, `The file is larger than ${opts.maxFileBytes / 1024 / 1024} MB. Split the question bank into smaller exports.`));
      return;
    }
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: opts.maxFileBytes, files: 1, fields: opts.maxFields ?? 20, fieldSize: 64 * 1024, parts: (opts.maxFields ?? 20) + 1 } });
    } catch {
      next(badRequest('The upload form could not be read.'));
      return;
    }
    const form: UploadedForm = { fields: {}, file: null, tooLarge: null };
    let failed = false;
    bb.on('field', (name, value) => {
      form.fields[name] = value;
    });
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let allowed = !opts.verify;
      if (opts.verify) {
        const token = form.fields.ltik;
        if (token === undefined) chunks.length = 0;
        else
          opts.verify(token).then(
            () => {
              allowed = true;
            },
            () => {
              chunks.length = 0;
              form.fields.ltik = '';
            },
          );
      }
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (form.tooLarge === null && (allowed || (opts.verify && form.fields.ltik))) chunks.push(c);
      });
      stream.on('limit', () => {
        form.tooLarge = size;
        chunks.length = 0;
      });
      stream.on('end', () => {
        if (form.tooLarge !== null) form.tooLarge = size;
        else form.file = { name: info.filename ?? 'upload', bytes: Buffer.concat(chunks) };
      });
    });
    bb.on('error', () => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      next(badRequest('The upload was interrupted or is not a valid form.'));
    });
    bb.on('close', () => {
      if (failed) return;
      res.locals[KEY] = form;
      req.body = form.fields;
      next();
    });
    req.pipe(bb);
  };
}
