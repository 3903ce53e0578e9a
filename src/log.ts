import { pino, type Logger } from 'pino';

/**
 * Structured logs. Anything that may hold a secret is redacted by path, and request logs carry
 * req.path only (never the URL with its query, which may hold a session token).
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['ltik', 'id_token', 'token', 'authorization', '*.ltik', '*.id_token', '*.token', '*.authorization', '*.password', '*.privateKey', '*.private_jwk', 'headers.authorization', 'headers.cookie'],
      censor: '[redacted]',
    },
  });
}
export type { Logger };
