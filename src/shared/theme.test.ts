import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AA_TEXT, contrastRatio } from "@/src/shared/contrast";
import { darkPalette, lightPalette, paletteTokens, parseTheme, themeCss, withAccent, type Palette, type PaletteToken } from "@/src/shared/theme";

/** Every pair the stylesheets put text on: [text token, background tokens]. */
const textPairs: [PaletteToken, PaletteToken[]][] = [
  ["text", ["bg", "panel", "user-bg", "code-bg", "warn-bg", "error-bg", "chip-bg", "key-bg", "oauth-bg"]],
  ["muted", ["bg", "panel", "code-bg"]],
  ["accent", ["bg", "panel", "chip-bg", "user-bg"]],
  ["accent-text", ["accent"]],
  ["danger", ["bg", "panel", "error-bg"]],
  ["danger-text", ["danger"]],
  ["success", ["bg", "panel"]],
  ["interrupted", ["bg", "panel"]],
  ["syntax-keyword", ["code-bg"]],
  ["syntax-string", ["code-bg"]],
  ["syntax-comment", ["code-bg"]],
  ["syntax-number", ["code-bg"]],
  ["syntax-title", ["code-bg"]],
];

function failingPairs(palette: Palette): string[] {
  return textPairs.flatMap(([text, backgrounds]) =>
    backgrounds
      .filter((background) => contrastRatio(palette[text], palette[background]) < AA_TEXT)
      .map((background) => `${text} on ${background}: ${contrastRatio(palette[text], palette[background]).toFixed(2)}`),
  );
}

const hexColor = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map((values) => `#${values.map((value) => value.toString(16).padStart(2, "0")).join("")}`);

describe("theme palettes", () => {
  it("every text colour reaches AA on each background it is used on, light and dark", () => {
    expect(failingPairs(lightPalette)).toEqual([]);
    expect(failingPairs(darkPalette)).toEqual([]);
  });

  it("any operator accent keeps AA in both themes", () => {
    fc.assert(
      fc.property(hexColor, (accent) => failingPairs(withAccent(lightPalette, accent)).length === 0 && failingPairs(withAccent(darkPalette, accent)).length === 0),
    );
  });

  it("keeps an accent that already reads well as it is", () => {
    expect(withAccent(lightPalette, "#1864AB").accent).toBe("#1864ab");
    expect(withAccent(lightPalette, null)).toBe(lightPalette);
  });

  it("writes one light-dark() custom property per token", () => {
    const css = themeCss("#e8590c");
    expect(css.startsWith(":root[data-theme]{")).toBe(true);
    for (const token of paletteTokens) expect(css).toContain(`--${token}:light-dark(`);
    expect(css).not.toMatch(/[<>"']/);
  });

  it("reads the theme cookie, anything else being the default", () => {
    expect(parseTheme("dark")).toBe("dark");
    expect(parseTheme("light")).toBe("light");
    expect(parseTheme(undefined)).toBe("system");
    expect(parseTheme("<script>")).toBe("system");
  });
});
