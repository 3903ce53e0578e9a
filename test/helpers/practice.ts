import type { RunningServer } from '../../src/server.js';
import type { Item, Pack } from '../../src/content/content.schema.js';
import { instantiate, isTemplate } from '../../src/content/templates.js';
import { decodeEntities, type Browser } from './launch.js';

/** A student's session in the iframe: posts forms with the ltik, as the page does. */
export class Student {
  html = '';
  status = 0;
  constructor(readonly srv: RunningServer, readonly browser: Browser, public ltik: string) {}
  field(name: string): string | undefined {
    const m = this.html.match(new RegExp(`name="${name}" value="([^"]*)"`));
    return m ? decodeEntities(m[1]) : undefined;
  }
  async open(): Promise<void> {
    const res = await this.browser.fetch(`${this.srv.url}/practice`, { headers: { authorization: `Bearer ${this.ltik}` } });
    await this.read(res);
  }
  async post(path: string, fields: Record<string, string | string[]>): Promise<void> {
    const body = new URLSearchParams();
    body.append('ltik', this.ltik);
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await this.browser.fetch(`${this.srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    await this.read(res);
  }
  private async read(res: Response) {
    this.status = res.status;
    this.html = await res.text();
    const fresh = this.field('ltik');
    if (fresh) this.ltik = fresh;
  }
  get itemId() { return this.field('item_id'); }
  get seed() { return Number(this.field('seed') ?? 0); }
  get submissionId() { return this.field('submission_id'); }
  get verdict(): string | undefined { return this.html.match(/data-correct="(true|false)"/)?.[1]; }
}

/** The item instance on screen: a template is instantiated with its seed. */
export function concrete(pack: Pack, itemId: string, seed: number): Item {
  const item = pack.items.find((i) => i.id === itemId);
  if (!item) throw new Error(`unknown item ${itemId}`);
  return isTemplate(item) ? instantiate(item, seed).item : item;
}

/** The form fields that answer an item with a response (an ordering: one rank field per element). */
export function answerFields(item: Item, response: string | readonly string[]): Record<string, string | string[]> {
  if (item.type === 'ordering') return Object.fromEntries((response as readonly string[]).map((id, i) => [`order_${id}`, String(i + 1)]));
  return { response: typeof response === 'string' ? response : [...response] };
}
