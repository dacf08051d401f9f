/*
 * URLs that reach an href: a frontmatter `url`, a citation's link, a link in a model's
 * answer. A browser runs `javascript:` (and `vbscript:`, and `data:` in some places) as
 * code or content of our origin, so only web links and our own paths get through.
 *
 * Why a literal `http://` / `https://` prefix is required rather than trusting the parsed
 * protocol alone: the URL parser is lenient in ways that depend on the base URL. Parsed
 * on its own, "https:/evil.example" is https://evil.example/, but as an href on an https
 * page it is the relative path /evil.example; "https:\\evil.example" is another spelling.
 * With the two slashes spelled out, the string means the same absolute URL everywhere.
 */

/** Origin used only to resolve a relative path and check that it stays on the same origin. */
const PROBE_ORIGIN = "https://quire.invalid";

const ABSOLUTE_HTTP = /^https?:\/\//i;

/**
 * Whether the text holds a character a browser strips or ignores while parsing a URL
 * (ASCII tab and newlines anywhere, C0 controls and spaces at the ends), or a character a
 * person would not see: "java\tscript:" is `javascript:` to a browser. No real link has one
 * unencoded (a URL carries them percent-encoded, which is accepted).
 */
function hasHiddenCharacters(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    // C0 controls and space, DEL, C1 controls.
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
    // Unicode spaces, zero-width characters, line and paragraph separators, the BOM: invisible in a link.
    if (code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200f) || code === 0x2028 || code === 0x2029) return true;
    if (code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff) return true;
    // Bidirectional overrides and isolates, word joiner: they make a link read as another.
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2060 && code <= 0x2069)) return true;
  }
  return false;
}

/** The value with surrounding whitespace removed, or null when it is empty or hides characters. */
function visible(value: string | null | undefined): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  if (trimmed === "" || hasHiddenCharacters(trimmed)) return null;
  return trimmed;
}

/**
 * The URL, trimmed, if it is an absolute http: or https: URL; otherwise null. Rejects
 * every other scheme (`javascript:` in any case or spelling, `data:`, `vbscript:`,
 * `file:`, `mailto:`…), protocol-relative `//host`, relative paths, and values with
 * control characters or hidden whitespace. The value is returned as written (not
 * re-serialised), so an ordinary URL is unchanged.
 */
export function safeHttpUrl(value: string | null | undefined): string | null {
  const candidate = visible(value);
  if (candidate === null || !ABSOLUTE_HTTP.test(candidate)) return null;
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    return null;
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hostname === "") return null;
  return candidate;
}

/**
 * An href that is safe to render: an absolute http(s) URL (see safeHttpUrl), a path on
 * our own origin starting with a single `/` (the source viewer's `/sources/…`), or an
 * in-page anchor `#…`. Rejects `//host` and `/\host`, which browsers treat as another host.
 */
export function safeHref(value: string | null | undefined): string | null {
  const candidate = visible(value);
  if (candidate === null) return null;
  // A fragment never leaves the page (our citation chips are `#quire-cite-n`).
  if (candidate.startsWith("#")) return candidate;
  if (candidate.startsWith("/")) {
    const second = candidate[1];
    if (second === "/" || second === "\\") return null;
    // Belt and braces: whatever the parser makes of it must stay on the page's origin.
    try {
      return new URL(candidate, PROBE_ORIGIN).origin === PROBE_ORIGIN ? candidate : null;
    } catch {
      return null;
    }
  }
  return safeHttpUrl(candidate);
}

/**
 * For react-markdown's `urlTransform` prop, which it calls with every URL attribute
 * (`href`, `src`…) of the rendered Markdown. react-markdown 10 sets the attribute to what
 * this returns; undefined removes it, so a rejected link renders as text, not as a link
 * back to the page (which "" would be). Stricter than its defaultUrlTransform, which lets
 * through any relative URL and the mailto:, xmpp:, irc: and ircs: schemes.
 */
export function markdownUrlTransform(url: string): string | undefined {
  return safeHref(url) ?? undefined;
}
