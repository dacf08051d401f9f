"use client";

import { createContext, useContext, type ReactNode } from "react";
import { DEFAULT_APP_CONFIG } from "@/src/shared/app-config";
import { LOGO_PATH } from "@/src/shared/branding";
import { DEFAULT_THEME, type Theme } from "@/src/shared/theme";

export interface PageBranding {
  title: string;
  /** The theme the server rendered `<html data-theme>` with (from the cookie). */
  theme: Theme;
}

const BrandingContext = createContext<PageBranding>({ title: DEFAULT_APP_CONFIG.title, theme: DEFAULT_THEME });

/** Set once by the root layout, which reads the env and the theme cookie, so any page's header can use it. */
export function BrandingProvider({ value, children }: { value: PageBranding; children: ReactNode }) {
  return <BrandingContext.Provider value={value}>{children}</BrandingContext.Provider>;
}

export function useBranding(): PageBranding {
  return useContext(BrandingContext);
}

/** The logo and the product name (QUIRE_TITLE). */
export function BrandMark() {
  const { title } = useBranding();
  return (
    <h1 className="logo">
      {/* eslint-disable-next-line @next/next/no-img-element -- a same-origin route, often an SVG: nothing for next/image to optimise */}
      <img src={LOGO_PATH} alt="" width={24} height={24} />
      <span>{title}</span>
    </h1>
  );
}
