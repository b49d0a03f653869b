/**
 * Validates an uploaded logo by decoding it: the header check first (lib/branding/logo_header.ts: format by
 * signature, size limits before any allocation), then a full decode with pure-JS/wasm decoders (pngjs, jpeg-js,
 * @jsquash/webp) that must agree with the header. A file that does not decode is refused, never stored.
 */
import { Buffer } from "node:buffer";
import pngjs from "pngjs";
import jpeg from "jpeg-js";
import { decode as decodeWebp } from "@jsquash/webp";
import { type LogoHeader, LogoProblem, readLogoHeader } from "./logo_header.ts";

export { LOGO_MAX_BYTES, LOGO_MAX_SIDE, LogoProblem } from "./logo_header.ts";

export type ValidLogo = LogoHeader & { bytes: Uint8Array };

async function decodedSize(header: LogoHeader, bytes: Uint8Array): Promise<[number, number]> {
  if (header.type === "image/png") {
    const image = pngjs.PNG.sync.read(Buffer.from(bytes), { checkCRC: true });
    return [image.width, image.height];
  }
  if (header.type === "image/jpeg") {
    // The header check bounds the size already; these limits are the decoder's own second line.
    const image = jpeg.decode(bytes, { useTArray: true, maxResolutionInMP: 5, maxMemoryUsageInMB: 64 });
    return [image.width, image.height];
  }
  const copy = bytes.slice().buffer as ArrayBuffer;
  const image = await decodeWebp(copy);
  if (!image) throw new Error("the WebP decoder returned nothing");
  return [image.width, image.height];
}

/** The logo's format, size and bytes once it decodes completely, or a LogoProblem saying what is wrong. */
export async function validateLogo(bytes: Uint8Array, declared?: string | null): Promise<ValidLogo> {
  const header = readLogoHeader(bytes, declared);
  let size: [number, number];
  try {
    size = await decodedSize(header, bytes);
  } catch {
    throw new LogoProblem(`The ${header.type.slice(6).toUpperCase()} file is damaged: it cannot be decoded.`);
  }
  if (size[0] !== header.width || size[1] !== header.height) {
    throw new LogoProblem("The image's header and its data disagree about its size.");
  }
  return { ...header, bytes };
}
