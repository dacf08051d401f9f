"use client";

import { useState } from "react";
import { useBranding } from "@/src/client/branding";
import { THEME_COOKIE, themeSchema, type Theme } from "@/src/shared/theme";

const YEAR_SECONDS = 365 * 24 * 60 * 60;
const labels: Record<Theme, string> = { light: "Light", dark: "Dark", system: "Same as the system" };

/**
 * Applies a theme now and remembers it in a cookie, which the layout reads to render
 * `<html data-theme>` on the next load (so no load ever paints the wrong theme first).
 * A preference, not a secret: readable by the page, sent only to Quire.
 */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${THEME_COOKIE}=${theme}; Path=/; Max-Age=${YEAR_SECONDS}; SameSite=Lax${secure}`;
}

/** Light, dark, or the system's, for this browser. */
export function ThemePicker() {
  const [theme, setTheme] = useState<Theme>(useBranding().theme);
  return (
    <fieldset className="theme-picker">
      <legend>Theme</legend>
      {themeSchema.options.map((option) => (
        <label key={option}>
          <input
            type="radio"
            name="theme"
            value={option}
            checked={theme === option}
            onChange={() => {
              setTheme(option);
              applyTheme(option);
            }}
          />
          {labels[option]}
        </label>
      ))}
    </fieldset>
  );
}
