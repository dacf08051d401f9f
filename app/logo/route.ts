import { logo } from "@/src/server/branding/branding";

export const dynamic = "force-dynamic";

/** The logo and favicon: QUIRE_LOGO_FILE, or Quire's own mark. */
export async function GET(): Promise<Response> {
  const { body, contentType } = await logo();
  return new Response(typeof body === "string" ? body : Buffer.from(body), {
    headers: {
      "Content-Type": contentType,
      // An operator's SVG opened on its own runs nothing (proxy.ts's CSP applies too).
      "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      "Cache-Control": "public, max-age=300",
    },
  });
}
