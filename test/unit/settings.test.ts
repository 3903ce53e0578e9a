import { expect } from 'chai';
import { loadSettings, SettingsError } from '../../src/settings.js';
import { mapRoles, primaryRole } from '../../src/lti/roles.js';

describe('settings', () => {
  it('has working defaults for development', () => {
    const s = loadSettings({});
    expect(s).to.include({ port: 3000, publicUrl: 'http://localhost:3000', sandbox: true, nodeEnv: 'development' });
  });
  it('names every bad value', () => {
    expect(() => loadSettings({ PORT: 'abc', PUBLIC_URL: 'nope', DATABASE_URL: 'mysql://x', SANDBOX: 'maybe' })).to.throw(SettingsError, /PORT[\s\S]*PUBLIC_URL[\s\S]*DATABASE_URL[\s\S]*SANDBOX/);
  });
  it('sizes the database pool, 10 by default, and refuses a size of 0', () => {
    expect(loadSettings({}).databasePoolSize).to.equal(10);
    expect(loadSettings({ DATABASE_POOL_SIZE: '25' }).databasePoolSize).to.equal(25);
    expect(() => loadSettings({ DATABASE_POOL_SIZE: '0' })).to.throw(SettingsError, /DATABASE_POOL_SIZE/);
  });
  it('refuses production without an admin token or public URL, and turns the sandbox off there', () => {
    expect(() => loadSettings({ NODE_ENV: 'production', PUBLIC_URL: 'https://t.example' })).to.throw(/ADMIN_TOKEN/);
    expect(() => loadSettings({ NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(20) })).to.throw(/PUBLIC_URL/);
    const s = loadSettings({ NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(20), PUBLIC_URL: 'https://t.example/' });
    expect(s.sandbox).to.equal(false);
    expect(s.publicUrl).to.equal('https://t.example');
    expect(loadSettings({ NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(20), PUBLIC_URL: 'https://t.example', SANDBOX: '1' }).sandbox).to.equal(true);
  });
});

describe('role mapping', () => {
  const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership';
  it('maps full role URIs exactly', () => {
    expect(mapRoles([`${M}#Learner`])).to.deep.equal(['student']);
    expect(mapRoles([`${M}#Instructor`])).to.deep.equal(['instructor']);
    expect(mapRoles([`${M}/Instructor#TeachingAssistant`])).to.deep.equal(['instructor']);
    expect(mapRoles([`${M}#ContentDeveloper`])).to.deep.equal(['instructor']);
    expect(mapRoles([`${M}#Administrator`])).to.deep.equal(['admin']);
  });
  it('accepts short context role names and ignores look-alikes', () => {
    expect(mapRoles(['Learner'])).to.deep.equal(['student']);
    expect(mapRoles([`${M}#InstructorX`, 'http://evil/Instructor', 'NotLearner'])).to.deep.equal([]);
  });
  it('does not take roles[0] as the role', () => {
    const roles = mapRoles(['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student', `${M}#Instructor`]);
    expect(primaryRole(roles)).to.equal('instructor');
    expect(primaryRole([])).to.equal('student');
  });
});
