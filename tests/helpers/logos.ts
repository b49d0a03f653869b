/** Small real images for the branding tests, made by the same libraries that validate them. */
import { Buffer } from "node:buffer";
import pngjs from "pngjs";
import jpeg from "jpeg-js";
import { encode as encodeWebp } from "@jsquash/webp";

/** A solid-colour PNG of the given size (RGBA). */
export function pngOf(
  width: number,
  height: number,
  rgba: [number, number, number, number] = [29, 78, 216, 255],
) {
  const png = new pngjs.PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set(rgba, i * 4);
  return new Uint8Array(pngjs.PNG.sync.write(png));
}

/** A grey JPEG of the given size. */
export function jpegOf(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4, 128);
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data);
}

/** A lossy WebP of the given size. */
export async function webpOf(width: number, height: number): Promise<Uint8Array> {
  const pixels = new Uint8ClampedArray(width * height * 4).fill(180);
  return new Uint8Array(await encodeWebp(new ImageData(pixels, width, height) as never));
}

/** A PNG whose header claims `side`×`side` pixels (a decompression bomb's shape), with its real data after. */
export function pngClaiming(side: number): Uint8Array {
  const bytes = pngOf(2, 2);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, side);
  view.setUint32(20, side);
  return bytes;
}
