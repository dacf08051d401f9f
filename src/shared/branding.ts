/** Where the logo (and favicon) is served; same-origin, so the CSP's img-src 'self' admits it. */
export const LOGO_PATH = "/logo";
