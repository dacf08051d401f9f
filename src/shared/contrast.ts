/**
 * WCAG 2.2 contrast (success criterion 1.4.3, "Contrast (Minimum)"): relative luminance
 * of sRGB colours and the ratio between two of them. Colours are `#rrggbb`.
 */

/** AA for normal text. */
export const AA_TEXT = 4.5;

const HEX = /^#[0-9a-fA-F]{6}$/;

function channels(color: string): [number, number, number] {
  if (!HEX.test(color)) throw new Error(`Not a #rrggbb colour: ${color}`);
  return [1, 3, 5].map((start) => Number.parseInt(color.slice(start, start + 2), 16)) as [number, number, number];
}

function toHex(values: readonly number[]): string {
  return `#${values.map((value) => Math.round(Math.min(255, Math.max(0, value))).toString(16).padStart(2, "0")).join("")}`;
}

/** Relative luminance, WCAG's definition (sRGB linearised, Rec. 709 weights). */
export function relativeLuminance(color: string): number {
  const [red, green, blue] = channels(color).map((value) => {
    const channel = value / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

/** (L1 + 0.05) / (L2 + 0.05), lighter over darker: 1 to 21. */
export function contrastRatio(first: string, second: string): number {
  const [lighter, darker] = [relativeLuminance(first), relativeLuminance(second)].sort((a, b) => b - a) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}

/** Mixes `color` toward `target` by `amount` (0 = color, 1 = target). */
export function mix(color: string, target: string, amount: number): string {
  const from = channels(color);
  const to = channels(target);
  return toHex(from.map((value, index) => value + ((to[index] ?? 0) - value) * amount));
}

/**
 * Text on `background`: black or white, whichever contrasts more. One of the two
 * always reaches at least 4.58:1, so any background gets AA text.
 */
export function readableForeground(background: string, dark = "#000000", light = "#ffffff"): string {
  return contrastRatio(background, dark) >= contrastRatio(background, light) ? dark : light;
}

/**
 * `color`, moved toward black or white in small steps until it reaches `minimum` contrast
 * against every one of `backgrounds` (an operator's brand colour kept as close as AA allows).
 * Moves toward black on light backgrounds and toward white on dark ones.
 */
export function ensureContrast(color: string, backgrounds: readonly string[], minimum = AA_TEXT): string {
  const worst = (candidate: string) => Math.min(...backgrounds.map((background) => contrastRatio(candidate, background)));
  if (worst(color) >= minimum) return color;
  const meanLuminance = backgrounds.reduce((sum, background) => sum + relativeLuminance(background), 0) / backgrounds.length;
  const target = meanLuminance > 0.18 ? "#000000" : "#ffffff";
  for (let step = 1; step <= 20; step++) {
    const candidate = mix(color, target, step / 20);
    if (worst(candidate) >= minimum) return candidate;
  }
  return target;
}
