/**
 * "updated 3 days ago" for a date the source gave (an ISO date or date-time), or null
 * when it can't be read. Calendar days in UTC, so a date-only value counts whole days.
 */
export function updatedAgo(value: string | null | undefined, now: Date = new Date()): string | null {
  if (!value) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return null;
  const day = (ms: number): number => Math.floor(ms / 86_400_000);
  const days = day(now.getTime()) - day(time);
  // A date ahead of this clock (another time zone, a skewed server) is today's.
  if (days <= 0) return "updated today";
  if (days === 1) return "updated yesterday";
  if (days < 60) return `updated ${days} days ago`;
  if (days < 730) return `updated ${Math.round(days / 30.44)} months ago`;
  return `updated ${Math.round(days / 365.25)} years ago`;
}
