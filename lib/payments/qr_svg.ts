/** QRIS payloads as QR codes: an SVG drawn on the server (no script, no inline style, so the CSP holds). */
import qrcode from "qrcode-generator";

/** The SVG of `text` as a QR code (error correction M, 4-module quiet zone). */
export function qrSvg(text: string): string {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const count = qr.getModuleCount();
  const quiet = 4;
  const size = count + quiet * 2;
  let path = "";
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) path += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">` +
    `<rect width="${size}" height="${size}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
}

/** The SVG as a data: URL for an <img> (img-src allows data:). */
export function qrDataUrl(text: string): string {
  return `data:image/svg+xml;base64,${btoa(qrSvg(text))}`;
}
