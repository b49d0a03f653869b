import type { ComponentChildren } from "preact";

/**
 * A catalogue sentence whose {placeholders} are markup (a link, a <code>): each language places them where
 * its word order needs them. A placeholder without a part is left as written.
 */
export function Phrase({ text, parts }: { text: string; parts: Record<string, ComponentChildren> }) {
  const pieces = text.split(/\{(\w+)\}/g);
  return <>{pieces.map((piece, at) => at % 2 === 0 ? piece : piece in parts ? parts[piece] : `{${piece}}`)}
  </>;
}
