import { z } from "zod";
import { ensureContrast, readableForeground } from "@/src/shared/contrast";

/**
 * Quire's colours, light and dark, in one place: the layout turns them into CSS custom
 * properties (a nonce'd <style>, with `light-dark()` so that "system" follows the OS
 * without a script), the stylesheets use only the properties, and a unit test checks
 * every text/background pair for WCAG AA.
 */

export const THEME_COOKIE = "quire-theme";
export const themeSchema = z.enum(["light", "dark", "system"]);
export type Theme = z.infer<typeof themeSchema>;
export const DEFAULT_THEME: Theme = "system";

/** The theme a cookie asks for; anything unreadable is the default. */
export function parseTheme(value: string | undefined): Theme {
  const parsed = themeSchema.safeParse(value);
  return parsed.success ? parsed.data : DEFAULT_THEME;
}

export const paletteTokens = [
  "bg",
  "panel",
  "text",
  "muted",
  "border",
  "accent",
  "accent-text",
  "danger",
  "danger-text",
  "success",
  "warn-bg",
  "warn-border",
  "user-bg",
  "code-bg",
  "chip-bg",
  "chip-border",
  "key-bg",
  "key-border",
  "oauth-bg",
  "oauth-border",
  "error-bg",
  "error-border",
  "interrupted",
  "syntax-keyword",
  "syntax-string",
  "syntax-comment",
  "syntax-number",
  "syntax-title",
] as const;
export type PaletteToken = (typeof paletteTokens)[number];
export type Palette = Record<PaletteToken, string>;

export const lightPalette: Palette = {
  bg: "#f7f7f5",
  panel: "#ffffff",
  text: "#1d1d1f",
  muted: "#5e5e66",
  border: "#d4d4da",
  accent: "#3b5bdb",
  "accent-text": "#ffffff",
  danger: "#c92a2a",
  "danger-text": "#ffffff",
  success: "#237032",
  "warn-bg": "#fff4e6",
  "warn-border": "#ffc078",
  "user-bg": "#e7f5ff",
  "code-bg": "#f1f3f5",
  "chip-bg": "#edf2ff",
  "chip-border": "#91a7ff",
  "key-bg": "#e7f5ff",
  "key-border": "#74c0fc",
  "oauth-bg": "#ebfbee",
  "oauth-border": "#8ce99a",
  "error-bg": "#fff5f5",
  "error-border": "#ffa8a8",
  interrupted: "#b8440b",
  "syntax-keyword": "#8a2bb0",
  "syntax-string": "#1f6b2c",
  "syntax-comment": "#5e5e66",
  "syntax-number": "#a33a00",
  "syntax-title": "#1c4fc4",
};

export const darkPalette: Palette = {
  bg: "#141518",
  panel: "#1e1f24",
  text: "#ececf1",
  muted: "#a6a6b0",
  border: "#3a3b43",
  accent: "#8da2fb",
  "accent-text": "#111111",
  danger: "#ff8787",
  "danger-text": "#111111",
  success: "#69db7c",
  "warn-bg": "#3a2a12",
  "warn-border": "#8a5a1c",
  "user-bg": "#1c2e45",
  "code-bg": "#2a2b31",
  "chip-bg": "#243056",
  "chip-border": "#4c6ef5",
  "key-bg": "#163047",
  "key-border": "#1c7ed6",
  "oauth-bg": "#173a22",
  "oauth-border": "#2f9e44",
  "error-bg": "#3b1d1f",
  "error-border": "#a33a3a",
  interrupted: "#ffa94d",
  "syntax-keyword": "#e599f7",
  "syntax-string": "#8ce99a",
  "syntax-comment": "#a6a6b0",
  "syntax-number": "#ffc078",
  "syntax-title": "#91a7ff",
};

/** Backgrounds the accent is read on as text (links, secondary buttons, citation chips). */
const accentBackgrounds = (palette: Palette) => [palette.bg, palette.panel, palette["chip-bg"], palette["user-bg"]];

/**
 * A palette with the operator's accent (QUIRE_ACCENT_COLOR): moved just far enough to
 * read as text on this palette's backgrounds, with a readable foreground for buttons.
 */
export function withAccent(palette: Palette, accent: string | null): Palette {
  if (accent === null) return palette;
  const readable = ensureContrast(accent.toLowerCase(), accentBackgrounds(palette));
  return { ...palette, accent: readable, "accent-text": readableForeground(readable) };
}

/**
 * The custom properties for both themes (`:root[data-theme]` outranks the stylesheets'
 * `:root`). `color-scheme` on `<html data-theme>` picks
 * the side of each `light-dark()`: a fixed one, or the OS's for "system".
 */
export function themeCss(accent: string | null): string {
  const light = withAccent(lightPalette, accent);
  const dark = withAccent(darkPalette, accent);
  const properties = paletteTokens.map((token) => `--${token}:light-dark(${light[token]},${dark[token]});`).join("");
  return `:root[data-theme]{${properties}}`;
}
