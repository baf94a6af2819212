import { imageSize } from "image-size";
import { Image } from "imagescript";

/** Image types whose dimensions we read from their headers. */
const SIZED = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"]);
/** Image types we can decode for a preview (imagescript's decoders). */
const DECODABLE = new Set(["image/png", "image/jpeg", "image/gif"]);

/** Longest side of a preview, in pixels. */
export const THUMB_MAX = 360;
/** Larger images get no preview: decoding is width × height × 4 bytes of memory. */
const THUMB_MAX_PIXELS = 40_000_000;
/** Larger files get no preview: a preview decodes the whole file in memory. */
export const THUMB_MAX_BYTES = 25 * 1024 * 1024;

export interface Dimensions {
  width: number;
  height: number;
}

/** Width and height from an image's header bytes (no decoding), or null. */
export function dimensionsOf(contentType: string, head: Uint8Array): Dimensions | null {
  if (!SIZED.has(contentType)) return null;
  try {
    const d = imageSize(head);
    return d.width && d.height ? { width: d.width, height: d.height } : null;
  } catch {
    return null;
  }
}

/** Whether a preview is worth making for this upload. */
export function canThumbnail(type: string, size: number, d: Dimensions | null): boolean {
  return DECODABLE.has(type) && size <= THUMB_MAX_BYTES && d !== null &&
    d.width * d.height <= THUMB_MAX_PIXELS;
}

/** A JPEG preview whose longest side is at most THUMB_MAX; null if the image does not decode. */
export async function thumbnail(bytes: Uint8Array): Promise<Uint8Array | null> {
  try {
    const decoded = await Image.decode(bytes);
    const img = decoded instanceof Image ? decoded : decoded[0];
    if (!img) return null;
    if (img.width > THUMB_MAX || img.height > THUMB_MAX) {
      if (img.width >= img.height) img.resize(THUMB_MAX, Image.RESIZE_AUTO);
      else img.resize(Image.RESIZE_AUTO, THUMB_MAX);
    }
    return await img.encodeJPEG(82);
  } catch {
    return null;
  }
}
