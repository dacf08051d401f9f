"use client";

import { useEffect } from "react";

const TOAST_MS = 10_000;

/** "Deleted …" with Undo, for ten seconds. */
export function UndoToast({ message, onUndo, onDone }: { message: string; onUndo: () => void; onDone: () => void }) {
  useEffect(() => {
    const timer = setTimeout(onDone, TOAST_MS);
    return () => clearTimeout(timer);
  }, [onDone, message]);
  return (
    <div className="toast" role="status">
      <span>{message}</span>
      <button type="button" className="secondary small" onClick={onUndo}>
        Undo
      </button>
      <button type="button" className="secondary small" onClick={onDone} aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
