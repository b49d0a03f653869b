/**
 * The first look at an uploaded logo, before any decoder runs: the magic bytes say which format it is (never
 * the name or the declared type), and the format's header says its size, so a decompression bomb (a small file
 * claiming a huge image) is refused before a decoder allocates anything for it.
 */
import type { LogoType } from "./brand.ts";

export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_MAX_SIDE = 2048;

/** Why a logo is refused, in words for the person who uploaded it. */
export class LogoProblem extends Error {
  override name = "LogoProblem";
}

export type LogoHeader = { type: LogoType; width: number; height: number };

const ascii = (bytes: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...bytes.subarray(at, at + length));

/** Which of PNG, JPEG and WebP the bytes are, by their signature; null for anything else. */
export function sniffLogoType(bytes: Uint8Array): LogoType | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") {
    return "image/webp";
  }
  return null;
}

function pngSize(bytes: Uint8Array, view: DataView): [number, number] {
  // The IHDR chunk comes first: length 13, then width and height as big-endian 32-bit numbers.
  if (bytes.length < 33 || view.getUint32(8) !== 13 || ascii(bytes, 12, 4) !== "IHDR") {
    throw new LogoProblem("The PNG file is damaged: its header is missing.");
  }
  return [view.getUint32(16), view.getUint32(20)];
}

// Start-of-frame markers carry the size; C4 (Huffman tables), C8 and CC (arithmetic coding) are not frames.
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(bytes: Uint8Array, view: DataView): [number, number] {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1];
    if (marker === 0xff) { // fill byte
      at++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // image data before any frame header
    const length = view.getUint16(at + 2);
    if (length < 2) break;
    if (SOF.has(marker)) {
      if (at + 9 > bytes.length) break;
      if (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2) {
        throw new LogoProblem("This JPEG uses a coding (lossless or arithmetic) that browsers do not show.");
      }
      return [view.getUint16(at + 7), view.getUint16(at + 5)];
    }
    at += 2 + length;
  }
  throw new LogoProblem("The JPEG file is damaged: no image header was found.");
}

function webpSize(bytes: Uint8Array, view: DataView): [number, number] {
  // RIFF's length counts everything after its first 8 bytes; it must match the file (no truncation, no tail).
  const riffLength = view.getUint32(4, true);
  if (bytes.length < 30 || riffLength + 8 !== bytes.length) {
    throw new LogoProblem("The WebP file is damaged: its length does not match its header.");
  }
  const chunk = ascii(bytes, 12, 4);
  const chunkLength = view.getUint32(16, true);
  if (chunkLength > bytes.length - 20) {
    throw new LogoProblem("The WebP file is damaged: a chunk is cut short.");
  }
  if (chunk === "VP8 ") {
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) {
      throw new LogoProblem("The WebP file is damaged: its image data does not start as VP8 should.");
    }
    return [view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff];
  }
  if (chunk === "VP8L") {
    if (bytes[20] !== 0x2f) throw new LogoProblem("The WebP file is damaged: its lossless header is wrong.");
    const bits = view.getUint32(21, true);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === "VP8X") {
    if (bytes[20] & 0x02) throw new LogoProblem("Animated WebP images are not accepted as a logo.");
    const width = (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16)) + 1;
    const height = (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16)) + 1;
    return [width, height];
  }
  throw new LogoProblem("The WebP file is damaged: it holds no image.");
}

/**
 * The format and pixel size of a logo from its signature and header, or a LogoProblem: empty, too large, not
 * PNG/JPEG/WebP (an SVG, a script renamed .png), a type that differs from the declared one, or too many pixels.
 */
export function readLogoHeader(bytes: Uint8Array, declared?: string | null): LogoHeader {
  if (bytes.length === 0) throw new LogoProblem("Choose an image file: this one is empty.");
  if (bytes.length > LOGO_MAX_BYTES) {
    throw new LogoProblem(`The logo is ${Math.ceil(bytes.length / 1024)} KB; it may be at most 256 KB.`);
  }
  const type = sniffLogoType(bytes);
  if (!type) {
    throw new LogoProblem(
      "The logo must be a PNG, JPEG or WebP image, and this file is none of them (SVG is not accepted).",
    );
  }
  const said = declared?.split(";")[0].trim().toLowerCase();
  const alias = said === "image/jpg" || said === "image/pjpeg" ? "image/jpeg" : said;
  if (alias && alias.startsWith("image/") && alias !== type) {
    throw new LogoProblem(
      `The file is called ${said} but its contents are ${type}: upload it as what it is.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [width, height] = type === "image/png"
    ? pngSize(bytes, view)
    : type === "image/jpeg"
    ? jpegSize(bytes, view)
    : webpSize(bytes, view);
  if (width < 1 || height < 1 || width > LOGO_MAX_SIDE || height > LOGO_MAX_SIDE) {
    throw new LogoProblem(
      `The logo is ${width}×${height} pixels; it may be at most ${LOGO_MAX_SIDE}×${LOGO_MAX_SIDE}.`,
    );
  }
  return { type, width, height };
}
