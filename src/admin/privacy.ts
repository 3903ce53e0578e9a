import type pg from 'pg';
import { withTransaction } from '../db/index.js';
import { notFound } from '../http/errors.js';
import type { PrivacyPart } from './privacy-part.js';
import { usersPrivacy } from '../lti/links.repository.js';
import { practicePrivacy } from '../practice/practice.privacy.js';
import { outboxPrivacy } from '../grades/outbox.repository.js';
import { contentPrivacy } from '../content/content.privacy.js';
import { overridesPrivacy } from '../dashboard/overrides.privacy.js';
import { summaryPrivacy } from '../dashboard/summary.privacy.js';
import { groupsPrivacy } from '../dashboard/groups.repository.js';

export type { PrivacyPart } from './privacy-part.js';

/** Every module's privacy part: the profile first (see PrivacyService). */
export const privacyParts: readonly PrivacyPart[] = [usersPrivacy, practicePrivacy, outboxPrivacy, overridesPrivacy, summaryPrivacy, groupsPrivacy, contentPrivacy];

/**
 * A data subject's export and deletion over the privacy parts of every module. The first part owns the
 * profile (its export fails with 404 when the user is unknown); deletion runs the parts in reverse order,
 * so the profile goes last.
 */
export class PrivacyService {
  constructor(
    private readonly pool: pg.Pool,
    readonly parts: readonly PrivacyPart[],
  ) {}

  /** Everything the tool keeps about one learner of one tenant (a data-subject access export). */
  async exportUser(tenantId: string, userId: string): Promise<Record<string, unknown>> {
    return withTransaction(this.pool, async (tx) => {
      const out: Record<string, unknown> = { tenantId };
      for (const part of this.parts) Object.assign(out, await part.export(tx, tenantId, userId));
      return out;
    });
  }

  /**
   * Deletes one learner of one tenant from every part, in one transaction. Grades already in the LMS
   * gradebook stay there (the LMS owns them).
   */
  async deleteUser(tenantId: string, userId: string): Promise<Record<string, number>> {
    return withTransaction(this.pool, async (tx) => {
      const counts: Record<string, number> = {};
      for (const part of [...this.parts].reverse()) Object.assign(counts, await part.delete(tx, tenantId, userId));
      if (Object.values(counts).every((n) => n === 0)) throw notFound('The user');
      return counts;
    });
  }
}
