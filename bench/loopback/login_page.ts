/** What the hosted login page makes a browser download as JavaScript, gzip-compressed (issue 11: ≤ 15 KB). */

/** Fetches the page and every script it loads; sums their gzip sizes. */
export async function loginPageScript(pageUrl: string): Promise<{ gzipKb: number; note: string }> {
  const res = await fetch(pageUrl);
  const html = await res.text();
  if (res.status !== 200) throw new Error(`login page answered ${res.status}: ${html.slice(0, 200)}`);
  const sources = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => new URL(m[1], pageUrl).href);
  let bytes = 0;
  for (const source of sources) {
    const script = await fetch(source);
    if (!script.ok) throw new Error(`${source} answered ${script.status}`);
    const gzipped = script.body!.pipeThrough(new CompressionStream("gzip"));
    bytes += (await new Response(gzipped).arrayBuffer()).byteLength;
  }
  const gzipKb = bytes / 1024;
  return {
    gzipKb,
    note:
      `${
        (new TextEncoder().encode(html).byteLength / 1024).toFixed(1)
      } KB HTML, ${sources.length} script(s) ` +
      `${gzipKb.toFixed(1)} KB gzip`,
  };
}
