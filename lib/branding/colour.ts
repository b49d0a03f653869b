/**
 * WCAG 2.2 colour arithmetic for branding: the contrast of two #rrggbb colours (the same formula as
 * astapa.contrast_with_white in SQL, which decides what is stored), and a light tint of a brand colour that
 * stays readable as link text on the dark theme.
 */

const HEX = /^#[0-9a-fA-F]{6}$/;

/** True for #rrggbb. */
export const isHexColour = (value: string) => HEX.test(value);

function channels(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** White text on this colour passes WCAG AA for normal text (4.5:1). */
export const whiteTextPasses = (hex: string) => isHexColour(hex) && contrast(hex, "#ffffff") >= 4.5;

const toHex = (n: number) => Math.round(n).toString(16).padStart(2, "0");

/** The first mix of the colour towards white that reaches 4.5:1 against `background` (white at worst). */
export function readableTint(hex: string, background: string): string {
  const base = channels(hex);
  for (let step = 0; step <= 20; step++) {
    const t = step / 20;
    const mixed = `#${base.map((c) => toHex(c + (255 - c) * t)).join("")}`;
    if (contrast(mixed, background) >= 4.5) return mixed;
  }
  return "#ffffff";
}
