import type { Metadata } from "next";
import { cookies, headers } from "next/headers";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { BrandingProvider } from "@/src/client/branding";
import { branding } from "@/src/server/branding/branding";
import { nonceFromCsp } from "@/src/server/security/headers";
import { LOGO_PATH } from "@/src/shared/branding";
import { parseTheme, THEME_COOKIE, themeCss } from "@/src/shared/theme";
import "./globals.css";
import "./theme.css";
import "./answer.css";
import "./header.css";

/** Title and description from QUIRE_TITLE / QUIRE_DESCRIPTION; the favicon is the logo route. */
export async function generateMetadata(): Promise<Metadata> {
  const { title, description } = branding();
  return {
    title: { default: title, template: `%s · ${title}` },
    description,
    icons: { icon: LOGO_PATH },
  };
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request: Next.js puts the nonce from proxy.ts's CSP on its
  // scripts only while rendering, so a page prerendered at build time would carry none
  // and its scripts would be refused.
  await connection();
  const [cookieStore, requestHeaders] = await Promise.all([cookies(), headers()]);
  // The theme is in the HTML itself (a cookie the settings write), so the first paint has it: no script, no flash.
  const theme = parseTheme(cookieStore.get(THEME_COOKIE)?.value);
  const { title, accentColor } = branding();
  return (
    <html lang="en" data-theme={theme}>
      <head>
        {/* The palette (with QUIRE_ACCENT_COLOR) as custom properties; the nonce admits it under style-src. */}
        <style nonce={nonceFromCsp(requestHeaders.get("content-security-policy"))}>{themeCss(accentColor)}</style>
      </head>
      <body>
        <BrandingProvider value={{ title, theme }}>{children}</BrandingProvider>
      </body>
    </html>
  );
}
