/** Export of a pack in our own format (lossless: `parsePack` reads it back to the same pack). */
import type { Pack } from '../content.schema.js';
import { serializePack } from '../pack.js';

/** The pack as one YAML (or JSON) file. */
export function exportYaml(pack: Pack, format: 'yaml' | 'json' = 'yaml'): string {
  return serializePack(pack, format);
}
