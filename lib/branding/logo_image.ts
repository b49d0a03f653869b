/**
 * Validates an uploaded logo by decoding it: the header check first (lib/branding/logo_header.ts: format by
 * signature, size limits before any allocation), then a full decode with pure-JS/wasm decoders (pngjs, jpeg-js,
 * @jsquash/webp) that must agree with the header. A file that does not decode is refused, never stored.
 */
import { Buffer } from "node:buffer";
import { lazyImport } from "@/lib/lazy_import.ts";
import { type LogoHeader, LogoProblem, readLogoHeader } from "./logo_header.ts";

export { LOGO_MAX_BYTES, LOGO_MAX_SIDE, LogoProblem } from "./logo_header.ts";

export type ValidLogo = LogoHeader & { bytes: Uint8Array };

// Each decoder loads on the first upload of its format (about 35 MB resident together, for a rare event).
const png = lazyImport("pngjs", () => import("pngjs"));
const jpeg = lazyImport("jpeg-js", () => import("jpeg-js"));
const webp = lazyImport("@jsquash/webp", () => import("@jsquash/webp"));

type SizeOf = (bytes: Uint8Array) => Promise<[number, number]>;

/** The decoder of `type`, loaded (a failure to load is a 500 from lazyImport, not a damaged file). */
async function decoderFor(type: LogoHeader["type"]): Promise<SizeOf> {
  if (type === "image/png") {
    const { PNG } = (await png()).default;
    return (bytes) => {
      const image = PNG.sync.read(Buffer.from(bytes), { checkCRC: true });
      return Promise.resolve([image.width, image.height]);
    };
  }
  if (type === "image/jpeg") {
    const { decode } = (await jpeg()).default;
    return (bytes) => {
      // The header check bounds the size already; these limits are the decoder's own second line.
      const image = decode(bytes, { useTArray: true, maxResolutionInMP: 5, maxMemoryUsageInMB: 64 });
      return Promise.resolve([image.width, image.height]);
    };
  }
  const { decode } = await webp();
  return async (bytes) => {
    const image = await decode(bytes.slice().buffer as ArrayBuffer);
    if (!image) throw new Error("the WebP decoder returned nothing");
    return [image.width, image.height];
  };
}

/** The logo's format, size and bytes once it decodes completely, or a LogoProblem saying what is wrong. */
export async function validateLogo(bytes: Uint8Array, declared?: string | null): Promise<ValidLogo> {
  const header = readLogoHeader(bytes, declared);
  const sizeOf = await decoderFor(header.type);
  let size: [number, number];
  try {
    size = await sizeOf(bytes);
  } catch {
    throw new LogoProblem(`The ${header.type.slice(6).toUpperCase()} file is damaged: it cannot be decoded.`);
  }
  if (size[0] !== header.width || size[1] !== header.height) {
    throw new LogoProblem("The image's header and its data disagree about its size.");
  }
  return { ...header, bytes };
}
