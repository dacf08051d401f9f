"use client";

import { useEffect, useState } from "react";

/**
 * Copies text to the clipboard and says so for a moment ("Copied", announced to screen
 * readers); says "Copy failed" when the browser refuses (no permission, not https).
 */
export function CopyButton({ text, label, className = "copy-button" }: { text: () => string; label: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      className={`secondary ${className}`}
      aria-label={label}
      onClick={() => {
        navigator.clipboard.writeText(text()).then(
          () => setState("copied"),
          () => setState("failed"),
        );
      }}
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy"}</span>
    </button>
  );
}
