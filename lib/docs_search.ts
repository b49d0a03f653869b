/**
 * Search over the documentation, on the server and without any outside service: each page's Markdown is cut
 * into sections at its headings, and a section matches when it holds every word of the query (any case).
 * The docs are small (a few hundred KB), so a scan per query is cheap and always current.
 */
import { availableDocs, headingId, readDoc } from "@/lib/docs.ts";

export type DocHit = { slug: string; page: string; heading: string; anchor: string; excerpt: string };

type Section = { slug: string; page: string; heading: string; anchor: string; text: string };

/** Query words: lower case, at least two characters each, at most eight. */
export function queryWords(query: string): string[] {
  return [...new Set(query.toLowerCase().split(/[^\p{L}\p{N}_.@/-]+/u).filter((w) => w.length >= 2))]
    .slice(0, 8);
}

/** Up to `max` sections holding every query word, best first (a word in the heading counts most). */
export async function searchDocs(query: string, max = 20): Promise<DocHit[]> {
  const words = queryWords(query);
  if (words.length === 0) return [];
  const scored: { hit: DocHit; score: number }[] = [];
  for (const section of await sections()) {
    const heading = section.heading.toLowerCase();
    const body = section.text.toLowerCase();
    if (!words.every((w) => heading.includes(w) || body.includes(w))) continue;
    const score = words.reduce((sum, w) => sum + (heading.includes(w) ? 10 : 0) + count(body, w), 0);
    scored.push({
      score,
      hit: {
        slug: section.slug,
        page: section.page,
        heading: section.heading,
        anchor: section.anchor,
        excerpt: excerpt(section.text, words),
      },
    });
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, max).map((s) => s.hit);
}

function count(text: string, word: string): number {
  let n = 0;
  for (let at = text.indexOf(word); at !== -1 && n < 20; at = text.indexOf(word, at + word.length)) n++;
  return n;
}

/** About 200 characters of plain text around the first query word found. */
function excerpt(text: string, words: string[]): string {
  const plain = text.replace(/```[\s\S]*?```/g, " ").replace(/[`*_#|>[\]]/g, "").replace(/\s+/g, " ").trim();
  const lower = plain.toLowerCase();
  const at = Math.max(0, Math.min(...words.map((w) => lower.indexOf(w)).filter((i) => i >= 0), plain.length));
  const start = Math.max(0, at - 80);
  const piece = plain.slice(start, start + 200);
  return `${start > 0 ? "…" : ""}${piece}${start + 200 < plain.length ? "…" : ""}`;
}

let cached: Promise<Section[]> | undefined;

/** Every page's sections; read once per process (docs change only with a deploy). */
function sections(): Promise<Section[]> {
  cached ??= (async () => {
    const all: Section[] = [];
    for (const doc of await availableDocs()) {
      const markdown = (await readDoc(doc.slug)) ?? "";
      let current: Section = { slug: doc.slug, page: doc.title, heading: doc.title, anchor: "", text: "" };
      let fenced = false;
      for (const line of markdown.split("\n")) {
        if (line.startsWith("```")) fenced = !fenced;
        const heading = fenced ? null : line.match(/^#{1,4}\s+(.+)$/);
        if (heading) {
          all.push(current);
          const title = heading[1].replace(/`/g, "").trim();
          current = { slug: doc.slug, page: doc.title, heading: title, anchor: headingId(title), text: "" };
        } else {
          current.text += `${line}\n`;
        }
      }
      all.push(current);
    }
    return all.filter((section) => section.text.trim() !== "");
  })();
  return cached;
}
