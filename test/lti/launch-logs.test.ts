import { expect } from 'chai';
import { startServer, type RunningServer } from '../../src/server.js';
import { loadSettings } from '../../src/settings.js';
import { freshDatabase } from '../helpers/db.js';
import { beginLaunch, launch, postLaunch } from '../helpers/launch.js';
import { memoryLog } from '../grades/helpers.js';
import { TEST_ADMIN_TOKEN } from '../helpers/server.js';

/** What a launch writes to the log (a pino destination stream, at debug: every request line too). */
describe('LTI 1.3 launch logs', () => {
  let srv: RunningServer;
  const captured = memoryLog();
  before(async () => {
    const settings = loadSettings({ NODE_ENV: 'test', PORT: '0', ADMIN_TOKEN: TEST_ADMIN_TOKEN, SANDBOX: '1', DATA_DIR: '/tmp/mastery-test-data' });
    srv = await startServer(settings, captured.log, { db: await freshDatabase() });
  });
  after(async () => {
    await srv?.close();
  });

  it('never puts the session token, the id_token, the state or the landing code in a log', async () => {
    const start = await beginLaunch(srv, { user: 'sandbox-student-1' });
    const accepted = await launch(srv, { user: 'sandbox-student-1' });
    // A refused launch (an id_token of another login) is logged too, with why, and still without the token.
    const replay = await beginLaunch(srv, { user: 'sandbox-student-2' });
    const refused = await postLaunch(replay.browser, { id_token: start.idToken, state: replay.state });
    expect(refused.status).to.be.within(400, 499);
    const text = captured.text();
    expect(captured.lines.some((l) => l.msg === 'launch accepted')).to.equal(true);
    expect(captured.lines.some((l) => l.msg === 'launch refused')).to.equal(true);
    expect(captured.lines.some((l) => l.msg === 'request' && l.path === '/lti/launch')).to.equal(true);
    const code = new URL(accepted.location).searchParams.get('code')!;
    for (const [what, secret] of [['session token', accepted.ltik], ['id_token', start.idToken], ['state', start.state], ['landing code', code]] as const) {
      expect(secret, what).to.be.a('string').with.length.above(10);
      expect(text.includes(secret), `the ${what} is in the log`).to.equal(false);
    }
    // Nor any part of a signed token (a JWT's signature is its last segment).
    expect(text.includes(accepted.ltik.split('.')[2])).to.equal(false);
    expect(text.includes(start.idToken.split('.')[2])).to.equal(false);
  });
});
