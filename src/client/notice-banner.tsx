"use client";

import type { Notice } from "@/src/shared/chat";

/** A transient notice above the conversation (e.g. a low balance), with its link and a dismiss button. */
export function NoticeBanner({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  return (
    <p className="banner" role="status">
      {notice.message}{" "}
      <a href={notice.topUpUrl} target="_blank" rel="noreferrer">
        Top up
      </a>{" "}
      <button type="button" className="secondary" onClick={onDismiss} aria-label="Dismiss">
        ×
      </button>
    </p>
  );
}
