import "server-only";

/**
 * Quire's mark: a folded quire of pages with a speech tail, in the default accent.
 * Served at /logo (the favicon and the header's logo) unless QUIRE_LOGO_FILE names another.
 */
export const DEFAULT_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" aria-label="Quire">
<rect width="64" height="64" rx="14" fill="#3b5bdb"/>
<path d="M14 17c6-2 12-1.5 17 2v28c-5-3.5-11-4-17-2z" fill="#fff"/>
<path d="M50 17c-6-2-12-1.5-17 2v28c5-3.5 11-4 17-2z" fill="#dbe4ff"/>
<path d="M38 44l9 9-1-9z" fill="#dbe4ff"/>
<path d="M19 25h7M19 30h8M19 35h6M38 25h7M37 30h8M38 35h5" stroke="#3b5bdb" stroke-width="2" stroke-linecap="round"/>
</svg>
`;
