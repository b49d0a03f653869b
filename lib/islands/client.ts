/**
 * Browser side of islands: finds each server-rendered island, reads its props from the JSON script that
 * follows it, loads that island's module and hydrates it in place. Bundled by lib/islands/build.ts.
 */
import { h, hydrate } from "preact";

async function hydrateIsland(root: HTMLElement): Promise<void> {
  const name = root.dataset.island ?? "";
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) return;
  const propsScript = root.nextElementSibling;
  const props = propsScript instanceof HTMLScriptElement && propsScript.dataset.islandProps !== undefined
    ? JSON.parse(propsScript.textContent ?? "{}")
    : {};
  // A computed URL keeps the bundler from rewriting this import: islands are separate entry points.
  const module = await import(new URL(`../../islands/${name}.js`, import.meta.url).href);
  hydrate(h(module.default, props), root);
  root.dataset.hydrated = "true";
}

for (const root of document.querySelectorAll<HTMLElement>("[data-island]")) {
  hydrateIsland(root).catch((error) =>
    console.error(`island ${root.dataset.island} failed to hydrate`, error)
  );
}
