import { Buffer } from "node:buffer";
import { imageSize } from "image-size";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

/** Image types whose dimensions we read from their headers. */
const SIZED = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"]);
/** Image types we decode for a preview (pure JavaScript codecs: no native code, no FFI). */
const DECODABLE = new Set(["image/png", "image/jpeg"]);

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

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function decode(bytes: Uint8Array): Rgba {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    return { width: png.width, height: png.height, data: png.data };
  }
  const img = jpeg.decode(bytes, {
    useTArray: true,
    maxResolutionInMP: THUMB_MAX_PIXELS / 1e6,
    maxMemoryUsageInMB: 256,
  });
  return { width: img.width, height: img.height, data: img.data };
}

/**
 * Shrinks by averaging each target pixel's source box (what a thumbnail wants: no aliasing),
 * compositing transparency over white.
 */
export function shrink(src: Rgba, width: number, height: number): Rgba {
  const out = new Uint8Array(width * height * 4);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      let r = 0, g = 0, b = 0, n = 0;
      for (let yy = y0; yy < y1; yy++) {
        let i = (yy * src.width + x0) * 4;
        for (let xx = x0; xx < x1; xx++, i += 4) {
          const a = src.data[i + 3]! / 255;
          r += src.data[i]! * a + 255 * (1 - a);
          g += src.data[i + 1]! * a + 255 * (1 - a);
          b += src.data[i + 2]! * a + 255 * (1 - a);
          n++;
        }
      }
      const o = (y * width + x) * 4;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
      out[o + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/** A JPEG preview whose longest side is at most THUMB_MAX; null if the image does not decode. */
export function thumbnail(bytes: Uint8Array): Uint8Array | null {
  try {
    const img = decode(bytes);
    const scale = Math.min(1, THUMB_MAX / Math.max(img.width, img.height));
    const w = Math.max(1, Math.round(img.width * scale));
    const h = Math.max(1, Math.round(img.height * scale));
    return new Uint8Array(jpeg.encode(shrink(img, w, h), 82).data);
  } catch {
    return null;
  }
}
