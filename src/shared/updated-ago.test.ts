import { describe, expect, it } from "vitest";
import { updatedAgo } from "@/src/shared/updated-ago";

describe("updatedAgo", () => {
  const now = new Date("2026-12-02T11:00:00Z");

  it("counts calendar days, months and years", () => {
    expect(updatedAgo("2026-12-02T01:00:00Z", now)).toBe("updated today");
    expect(updatedAgo("2026-12-01", now)).toBe("updated yesterday");
    expect(updatedAgo("2026-11-29T23:59:00Z", now)).toBe("updated 3 days ago");
    expect(updatedAgo("2026-08-01", now)).toBe("updated 4 months ago");
    expect(updatedAgo("2023-12-01", now)).toBe("updated 3 years ago");
  });

  it("says nothing of a date it can't read, and today of one in the future", () => {
    expect(updatedAgo(null, now)).toBeNull();
    expect(updatedAgo("last week", now)).toBeNull();
    expect(updatedAgo("2027-01-01", now)).toBe("updated today");
  });
});
