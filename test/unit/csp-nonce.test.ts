import { expect } from 'chai';
import { newNonce } from '../../src/http/middleware.js';

describe('CSP nonces', () => {
  it('are 128-bit, base64, and never repeat across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const n = newNonce();
      expect(Buffer.from(n, 'base64')).to.have.length(16);
      expect(n).to.match(/^[A-Za-z0-9+/]{22}==$/);
      seen.add(n);
    }
    expect(seen.size).to.equal(2_000);
  });
});
