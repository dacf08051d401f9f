import { describe, expect, it } from "vitest";
import { sourceLabel } from "@/src/client/answer-text";
import type { ChatSource } from "@/src/shared/sources";

const source = (index: number, title = `Doc ${index}`, heading = ""): ChatSource => ({
  id: `c${index}`,
  index,
  title,
  heading,
  url: null,
  href: `/sources/c${index}`,
  path: `doc-${index}.md`,
  snippet: "",
});

describe("source labels", () => {
  it("does not repeat a title its heading path starts with", () => {
    expect(sourceLabel(source(1, "Guide", "Guide > Install > Linux"))).toBe("Guide > Install > Linux");
    expect(sourceLabel(source(1, "Guide", "Linux"))).toBe("Guide › Linux");
    expect(sourceLabel(source(1, "Guide", ""))).toBe("Guide");
  });
});
