import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AA_TEXT, contrastRatio, ensureContrast, mix, readableForeground, relativeLuminance } from "@/src/shared/contrast";

const hexColor = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map((values) => `#${values.map((value) => value.toString(16).padStart(2, "0")).join("")}`);

describe("WCAG contrast", () => {
  it("matches the reference values: black on white is 21:1, a colour on itself 1:1", () => {
    expect(relativeLuminance("#ffffff")).toBeCloseTo(1, 6);
    expect(relativeLuminance("#000000")).toBe(0);
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 6);
    expect(contrastRatio("#3b5bdb", "#3b5bdb")).toBe(1);
    // WebAIM's checker: #767676 on white is the lightest grey that passes AA (4.54:1).
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
    expect(contrastRatio("#777777", "#ffffff")).toBeLessThan(AA_TEXT);
  });

  it("refuses anything but #rrggbb", () => {
    expect(() => relativeLuminance("red")).toThrow(/#rrggbb/);
    expect(() => relativeLuminance("#fff")).toThrow(/#rrggbb/);
  });

  it("mixes channel by channel", () => {
    expect(mix("#000000", "#ffffff", 0.5)).toBe("#808080");
    expect(mix("#3b5bdb", "#3b5bdb", 0.7)).toBe("#3b5bdb");
  });

  it("gives every background a foreground with AA contrast", () => {
    fc.assert(fc.property(hexColor, (background) => contrastRatio(background, readableForeground(background)) >= AA_TEXT));
    expect(readableForeground("#ffff00")).toBe("#000000");
    expect(readableForeground("#1d1d1f")).toBe("#ffffff");
  });

  it("moves a colour only as far as AA needs, on light and on dark backgrounds", () => {
    expect(ensureContrast("#1d1d1f", ["#ffffff"])).toBe("#1d1d1f");
    const light = ensureContrast("#ffd43b", ["#ffffff", "#f7f7f5"]);
    expect(contrastRatio(light, "#f7f7f5")).toBeGreaterThanOrEqual(AA_TEXT);
    expect(relativeLuminance(light)).toBeLessThan(relativeLuminance("#ffd43b"));
    const dark = ensureContrast("#1c3faa", ["#141518", "#1e1f24"]);
    expect(contrastRatio(dark, "#1e1f24")).toBeGreaterThanOrEqual(AA_TEXT);
    expect(relativeLuminance(dark)).toBeGreaterThan(relativeLuminance("#1c3faa"));
    fc.assert(
      fc.property(hexColor, (color) =>
        [["#ffffff", "#f7f7f5"], ["#141518", "#1e1f24"]].every((backgrounds) =>
          backgrounds.every((background) => contrastRatio(ensureContrast(color, backgrounds), background) >= AA_TEXT),
        ),
      ),
    );
  });
});
