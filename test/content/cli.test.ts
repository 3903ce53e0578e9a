import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { contentCommand } from '../../src/content/content.cli.js';
import { demoPackDir } from '../../src/content/content.files.js';
import { parsePack } from '../../src/content/pack.js';
import type { Database } from '../../src/db/index.js';
import { freshDatabase } from '../helpers/db.js';

/** Runs the command and returns its exit code and output lines. */
async function run(args: string[], pool?: Database['pool']): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await contentCommand(args, { pool, out: (l) => lines.push(l) });
  return { code, lines };
}

describe('content CLI', function () {
  this.timeout(60_000);
  let dir: string;
  let db: Database | undefined;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-content-cli-'));
  });
  after(async () => {
    await db?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('validates the demo pack without a database', async () => {
    const { code, lines } = await run(['validate', demoPackDir()]);
    expect(code).to.equal(0);
    expect(lines[0]).to.match(/^OK: pack "fractions" \(Fractions\): 14 skills, \d+ items \(\d+ templates\)$/);
  });

  it('prints every problem with file, item and path, and exits 1', async () => {
    const file = path.join(dir, 'bad.yaml');
    await fs.writeFile(file, 'pack: {id: x, title: X}\nskills: [{id: s, name: S}]\nitems:\n  - {id: q1, type: numeric, stem: Hi, skills: [s], answer: lots}\n');
    const { code, lines } = await run(['validate', file]);
    expect(code).to.equal(1);
    expect(lines).to.deep.equal([
      'Invalid pack: 1 problem',
      `  ${file}: item "q1" at answer: not a number: "lots"`,
      '{"format":"yaml","questions":1,"imported":0,"skipped":1,"errors":1}',
    ]);
  });

  it('explains usage errors with exit code 2', async () => {
    expect((await run([])).code).to.equal(2);
    expect((await run(['validate'])).code).to.equal(2);
    expect((await run(['import', demoPackDir()])).lines[0]).to.match(/--tenant/);
    expect((await run(['validate', '--bogus'])).code).to.equal(2);
  });

  it('imports for a tenant and exports back to an equivalent pack', async () => {
    db = await freshDatabase();
    await db.pool.query(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url)
      VALUES ('p', 'P', 'https://lms.example', 'c', 'https://lms.example/a', 'https://lms.example/t', 'https://lms.example/j')`);
    await db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ('t1', 'p', 'd1')`);
    const imported = await run(['import', demoPackDir(), '--tenant', 't1'], db.pool);
    expect(imported.code, imported.lines.join('\n')).to.equal(0);
    expect(imported.lines[0]).to.match(/^Imported pack "fractions"/);
    expect((await run(['import', demoPackDir(), '--tenant', 'nobody'], db.pool)).lines[0]).to.equal('Error: unknown tenant "nobody"');

    const out = path.join(dir, 'export.json');
    expect((await run(['export', out, '--tenant', 't1'], db.pool)).code).to.equal(0);
    const original = parsePack(await readDir(demoPackDir()));
    expect(parsePack([{ name: out, text: await fs.readFile(out, 'utf8') }])).to.deep.equal(original);
    expect((await run(['export', out, '--tenant', 't1', '--pack', 'none'], db.pool)).code).to.equal(1);
  });
});

async function readDir(d: string) {
  const names = (await fs.readdir(d)).filter((n) => n.endsWith('.yaml')).sort();
  return Promise.all(names.map(async (n) => ({ name: n, text: await fs.readFile(path.join(d, n), 'utf8') })));
}
