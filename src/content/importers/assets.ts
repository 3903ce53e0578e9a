/**
 * Embedded images of imported questions (Moodle's base64 `@@PLUGINFILE@@` files, `data:` URIs, files
 * of a QTI/Canvas zip): only PNG, JPEG, GIF and WebP, recognised by their bytes (an SVG can carry
 * scripts, so it is refused); each becomes an asset named by its SHA-256 and an item media entry.
 */
import { createHash } from 'node:crypto';
import type { Media } from '../content.schema.js';
import type { ImageRef } from './html.js';
import { LIMITS, type ImportAsset } from './types.js';

/** Where stored assets are served (the item media `url`). */
export const ASSET_URL_PREFIX = '/content/assets/';

/** The image type of some bytes, or null when it is not an image we show. */
export function sniffImage(bytes: Uint8Array): { mime: string; ext: string } | null {
  const b = bytes;
  if (b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return { mime: 'image/png', ext: 'png' };
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (b.length > 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return { mime: 'image/gif', ext: 'gif' };
  if (b.length > 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') return { mime: 'image/webp', ext: 'webp' };
  return null;
}

/** All assets of one import, deduplicated by content. */
export class Assets {
  readonly byHash = new Map<string, ImportAsset>();

  /** Stores an image; returns the asset, or an error message. */
  add(bytes: Uint8Array, name: string): ImportAsset | string {
    if (bytes.length > LIMITS.maxAssetBytes) return `file "${name}" is larger than ${LIMITS.maxAssetBytes / 1024 / 1024} MB`;
    const type = sniffImage(bytes);
    if (!type) return `file "${name}" is not a PNG, JPEG, GIF or WebP image (other files, SVG included, are not imported)`;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let asset = this.byHash.get(sha256);
    if (!asset) {
      asset = { sha256, mime: type.mime, ext: type.ext, bytes, url: `${ASSET_URL_PREFIX}${sha256}.${type.ext}` };
      this.byHash.set(sha256, asset);
    }
    return asset;
  }

  list(): ImportAsset[] {
    return [...this.byHash.values()];
  }
}

/**
 * The images of one question: resolves `src` against the question's files (or a data: URI, or an
 * https URL) and collects the media entries its items need.
 */
export class QuestionMedia {
  readonly media: Media[] = [];
  private readonly byUrl = new Map<string, string>();

  constructor(
    private readonly assets: Assets,
    /** Files of the question by name (decoded bytes), e.g. Moodle's `<file>` or a zip's entries. */
    private readonly files: (name: string) => Uint8Array | undefined,
    private readonly warn: (message: string) => void,
  ) {}

  /** For `htmlToMarkdown`'s `image` option. */
  readonly image = (ref: ImageRef): string | null => {
    const src = ref.src;
    if (/^https:\/\//i.test(src)) return src;
    const own = new RegExp(`^${ASSET_URL_PREFIX}([0-9a-f]{64})\\.(png|jpg|gif|webp)$`).exec(src);
    if (own) return this.mediaFor(src, ref.alt || 'image', ref.alt ? undefined : src);
    let bytes: Uint8Array | undefined;
    let name = src;
    const data = /^data:([^;,]*)(;base64)?,(.*)$/is.exec(src);
    if (data) {
      name = 'data: URI';
      bytes = data[2] ? Buffer.from(data[3]!, 'base64') : Buffer.from(decodeURIComponent(data[3]!));
    } else if (!/^[a-z][a-z0-9+.-]*:/i.test(src) || /^@@PLUGINFILE@@/.test(src)) {
      name = decodeURIComponent(src.replace(/^@@PLUGINFILE@@\/?/, '').replace(/[?#].*$/, ''));
      bytes = this.files(name);
      if (!bytes) {
        this.warn(`image "${name}" is not in the file: not shown`);
        return null;
      }
    } else {
      this.warn(`image "${src.slice(0, 80)}" is not https: not shown`);
      return null;
    }
    const asset = this.assets.add(bytes, name);
    if (typeof asset === 'string') {
      this.warn(`${asset}: not shown`);
      return null;
    }
    const alt = ref.alt || name.replace(/^.*\//, '').replace(/\.[a-z0-9]+$/i, '') || 'image';
    return this.mediaFor(asset.url, alt, ref.alt ? undefined : name);
  };

  /** The media reference of a URL (one media entry per URL); `unnamed` is the file whose alt text was missing. */
  private mediaFor(url: string, alt: string, unnamed?: string): string {
    let id = this.byUrl.get(url);
    if (!id) {
      id = `img-${this.media.length + 1}`;
      if (unnamed) this.warn(`image "${unnamed}" has no alt text: "${alt}" used`);
      this.media.push({ id, kind: 'image', url, alt: alt.slice(0, 500) });
      this.byUrl.set(url, id);
    }
    return `media:${id}`;
  }
}
