/**
 * The per-project stylesheet: CSS custom properties over static/styles.css, served from a hashed URL
 * (/branding/<project>/style-<hash>.css) so the CSP stays `style-src 'self'` with no inline styles.
 * Light: the brand colour for buttons and links on a white page (the colour passed 4.5:1 against white).
 * Dark: a tint of the colour that reads on the dark card, with dark text on the buttons.
 * The dashboard's live preview (islands/BrandPreview.tsx) sets the same variables on its preview element.
 */
import type { Branding } from "./brand.ts";
import { readableTint } from "./colour.ts";

// The theme colours of static/styles.css, restated so a forced theme does not follow the visitor's system.
const LIGHT: Record<string, string> = {
  "--bg": "#ffffff",
  "--fg": "#1c1d21",
  "--muted": "#5d6068",
  "--card": "#ffffff",
  "--line": "#e3e3df",
  "--code-bg": "#f0f0ec",
  "--accent": "#0b6e4f",
  "--accent-fg": "#ffffff",
};
const DARK: Record<string, string> = {
  "--bg": "#131417",
  "--fg": "#ececec",
  "--muted": "#a2a5ad",
  "--card": "#1c1d21",
  "--line": "#2d2f35",
  "--code-bg": "#24262b",
  "--accent": "#3ccf98",
  "--accent-fg": "#0b0c0e",
};

/** The custom properties of one theme with the brand colour (if any) applied. */
export function themeVariables(color: string | undefined, theme: "light" | "dark"): Record<string, string> {
  if (theme === "light") {
    return { ...LIGHT, ...(color ? { "--accent": color, "--accent-fg": "#ffffff" } : {}) };
  }
  return {
    ...DARK,
    ...(color ? { "--accent": readableTint(color, DARK["--card"]), "--accent-fg": "#0b0c0e" } : {}),
  };
}

const block = (vars: Record<string, string>, scheme: string) =>
  `:root { ${Object.entries(vars).map(([k, v]) => `${k}: ${v};`).join(" ")} color-scheme: ${scheme}; }`;

/** The CSS for a project's branding, or null when it changes nothing (no colour, theme auto). */
export function brandStylesheet(branding: Branding): string | null {
  const color = branding.primary_color?.toLowerCase();
  const theme = branding.theme ?? "auto";
  if (!color && theme === "auto") return null;
  const head = "/* Astapa: this project's brand (docs/branding.md) */\n";
  if (theme !== "auto") return `${head}${block(themeVariables(color, theme), theme)}\n`;
  return `${head}${block(themeVariables(color, "light"), "light dark")}\n` +
    `@media (prefers-color-scheme: dark) {\n  ${block(themeVariables(color, "dark"), "light dark")}\n}\n`;
}
