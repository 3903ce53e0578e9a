import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentCommand } from '../../../src/content/content.cli.js';
import { listItems } from '../../../src/content/content.repository.js';
import type { Database } from '../../../src/db/index.js';
import { freshDatabase } from '../../helpers/db.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

async function run(args: string[], pool?: Database['pool']): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await contentCommand(args, { pool, out: (l) => lines.push(l) });
  return { code, lines };
}

describe('content CLI: other formats', function () {
  this.timeout(60_000);
  let dir: string;
  let db: Database | undefined;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mastery-content-import-'));
  });
  after(async () => {
    await db?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('validate detects the format and ends with the JSON line; all or nothing unless --partial', async () => {
    const file = path.join(FIXTURES, 'gift-all.gift');
    const strict = await run(['validate', file]);
    expect(strict.code).to.equal(1);
    expect(strict.lines.some((l) => /gift-all\.gift:52: question "Broken": GIFT syntax error/.test(l))).to.equal(true);
    expect(JSON.parse(strict.lines.at(-1)!)).to.deep.equal({ format: 'gift', questions: 16, imported: 0, skipped: 16, errors: 1 });
    const partial = await run(['validate', file, '--partial']);
    expect(partial.code).to.equal(0);
    expect(JSON.parse(partial.lines.at(-1)!)).to.deep.equal({ format: 'gift', questions: 16, imported: 13, skipped: 3, errors: 1 });
    const qti = await run(['validate', path.join(FIXTURES, 'qti21-choice.xml')]);
    expect(JSON.parse(qti.lines.at(-1)!)).to.deep.equal({ format: 'qti21', questions: 1, imported: 1, skipped: 0, errors: 0 });
  });

  it('refuses unsafe or unknown files cleanly, still ending with the JSON line', async () => {
    const evil = path.join(dir, 'evil.xml');
    await fs.writeFile(evil, '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>');
    const r = await run(['validate', evil]);
    expect(r.code).to.equal(1);
    expect(r.lines[0]).to.match(/^Refused: .*document type declarations/);
    expect(JSON.parse(r.lines.at(-1)!)).to.include({ errors: 1, imported: 0 });
    const big = path.join(dir, 'big.gift');
    await fs.writeFile(big, Buffer.alloc(51 * 1024 * 1024, 0x20));
    expect((await run(['validate', big])).lines[0]).to.match(/^Refused: .*the limit is 50 MB/);
  });

  it('imports a Moodle export with --partial through the repository, and exports it as QTI 3.0 and YAML', async () => {
    db = await freshDatabase();
    await db.pool.query(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url)
      VALUES ('p', 'P', 'https://lms.example', 'c', 'https://lms.example/a', 'https://lms.example/t', 'https://lms.example/j')`);
    await db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ('t1', 'p', 'd1')`);
    const moodle = path.join(FIXTURES, 'moodle-all.xml');
    const refused = await run(['import', moodle, '--tenant', 't1'], db.pool);
    expect(refused.code).to.equal(1);
    expect(JSON.parse(refused.lines.at(-1)!)).to.include({ imported: 0, errors: 1 });
    const imported = await run(['import', moodle, '--tenant', 't1', '--partial', '--pack', 'math101', '--title', 'Math 101'], db.pool);
    expect(imported.code, imported.lines.join('\n')).to.equal(0);
    expect(imported.lines.at(-2)).to.match(/^Imported pack "math101" \(Math 101\): 2 skills, 13 items/);
    expect(JSON.parse(imported.lines.at(-1)!)).to.deep.equal({ format: 'moodle_xml', questions: 13, imported: 10, skipped: 3, errors: 1 });
    expect((await listItems(db.pool, 't1', { packId: 'math101' })).length).to.equal(13);
    // Its embedded image is stored for /content/assets/ (PNG only).
    const images = (await db.pool.query(`SELECT mime FROM content_assets WHERE tenant_id = 't1'`)).rows.map((r) => r.mime);
    expect(images).to.include('image/png');

    const qti = path.join(dir, 'math101.zip');
    const exported = await run(['export', 'math101', '--tenant', 't1', '--format', 'qti3', '--out', qti], db.pool);
    expect(exported.code).to.equal(0);
    expect(exported.lines.at(-1)).to.equal(`Exported 10 of 13 items of pack "math101" as a QTI 3.0 package to ${qti}`);
    const back = await run(['validate', qti]);
    expect(JSON.parse(back.lines.at(-1)!)).to.deep.equal({ format: 'qti30', questions: 10, imported: 10, skipped: 0, errors: 0 });
    const yaml = path.join(dir, 'math101.yaml');
    expect((await run(['export', 'math101', '--tenant', 't1', '--format', 'yaml', '--out', yaml], db.pool)).code).to.equal(0);
    expect(JSON.parse((await run(['validate', yaml])).lines.at(-1)!)).to.deep.equal({ format: 'yaml', questions: 13, imported: 13, skipped: 0, errors: 0 });
    expect((await run(['export', 'nope', '--tenant', 't1', '--format', 'qti3', '--out', qti], db.pool)).code).to.equal(1);
    expect((await run(['export', 'math101', '--tenant', 't1', '--format', 'pdf', '--out', qti], db.pool)).code).to.equal(2);
  });
});
