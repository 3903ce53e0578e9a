/**
 * Failures to start the tool, the worker or the CLI, each told in one sentence that says what to do:
 * `StartError` for what the embedded PostgreSQL's start found, `startFailureSentence` for any error.
 */

/** A start failure explained in one sentence that says what to do. */
export class StartError extends Error {
  override name = 'StartError';
}

/** The one sentence for a postgres that stopped while starting, from its FATAL line. */
export function explainPostgresExit(log: string, databaseDir: string, port: number): StartError {
  const fatal = /FATAL:\s*(.*)/.exec(log)?.[1]?.trim() ?? log.trim().split('\n').pop() ?? 'no message';
  if (/Address already in use|could not create any TCP\/IP sockets/i.test(log)) {
    return new StartError(`the embedded PostgreSQL cannot listen on port ${port}, which another program uses: set EMBEDDED_PG_PORT to a free port.`);
  }
  if (/lock file .* already exists/i.test(log)) {
    return new StartError(`another PostgreSQL is already running on ${databaseDir} (${fatal}): stop it (or the Mastery that started it) first.`);
  }
  if (/wrong ownership|permission denied/i.test(log)) {
    return new StartError(`the embedded PostgreSQL may not use ${databaseDir} (${fatal}): give the folder to the OS user PostgreSQL runs as (chown -R), or set DATA_DIR to a new folder.`);
  }
  return new StartError(`the embedded PostgreSQL in ${databaseDir} stopped while starting (${fatal}): fix the cause above, or set DATA_DIR to a new folder or DATABASE_URL to an external PostgreSQL.`);
}

/** One sentence for any failure to start (the tool, the CLI, the worker), saying what to do. */
export function startFailureSentence(err: unknown, ctx: { port?: number; databaseUrl?: string } = {}): string {
  if (err instanceof StartError) return err.message;
  if (err === undefined || err === null) return 'an unexplained error occurred (no details were given): start again with LOG_LEVEL=debug to see more.';
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e.code === 'EADDRINUSE') {
    return `port ${e.port ?? ctx.port ?? ''} is already in use (another Mastery or another program): stop it, or set PORT to a free port.`.replace('port  ', 'the port ');
  }
  if (e.code === 'EACCES' && e.syscall === 'listen') return `this user may not listen on port ${e.port ?? ctx.port}: set PORT to a port above 1023.`;
  if (ctx.databaseUrl && (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'ETIMEDOUT' || e.code === 'EAI_AGAIN')) {
    return `the database at DATABASE_URL cannot be reached (${e.code}): check that it is running and that the URL's host and port are right.`;
  }
  if (e.code === '28P01' || e.code === '28000') return `the database refused the login (${e.message}): check the user and password in DATABASE_URL.`;
  if (e.code === '3D000') return `the database does not exist (${e.message}): create it, or fix the database name in DATABASE_URL.`;
  const message = err instanceof Error ? err.message : String(err);
  return `${message.replace(/\.$/, '')}: fix the cause above and start again (LOG_LEVEL=debug shows more).`;
}
