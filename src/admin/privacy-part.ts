import type { Tx } from '../db/index.js';

/**
 * What one module keeps about a learner, and how to hand it over or erase it. Every module that stores
 * personal data exports one (`test/admin/privacy.test.ts` fails when a table with a `user_id` column is
 * covered by none).
 */
export interface PrivacyPart {
  /** The tables this part exports and deletes. */
  readonly tables: readonly string[];
  /** The learner's rows, under keys of the export file. */
  export(tx: Tx, tenantId: string, userId: string): Promise<Record<string, unknown>>;
  /** Deletes the learner's rows; the number of rows deleted per table. */
  delete(tx: Tx, tenantId: string, userId: string): Promise<Record<string, number>>;
}

/** Deletes a learner's rows of one table (`col` names the learner's column). */
export async function deleteRows(tx: Tx, table: string, tenantId: string, userId: string, col = 'user_id'): Promise<number> {
  return (await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND ${col} = $2`, [tenantId, userId])).rowCount ?? 0;
}
