"use client";

import { useState } from "react";
import { deleteHistoryDatabase } from "@/src/client/history/history-store";

/**
 * Settings → "Delete all local data": every conversation in IndexedDB and everything in
 * this site's localStorage and sessionStorage, after a confirmation. Keys are not here
 * (they live in httpOnly cookies; the provider cards remove them).
 */
export function DeleteLocalData({ beforeDelete }: { beforeDelete: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [state, setState] = useState<"idle" | "deleting" | "blocked" | "failed">("idle");

  async function deleteAll() {
    setState("deleting");
    beforeDelete();
    try {
      await deleteHistoryDatabase(() => setState("blocked"));
      window.localStorage.clear();
      window.sessionStorage.clear();
    } catch {
      setState("failed");
      return;
    }
    // Start over from a clean page, so nothing deleted lingers in memory.
    window.location.reload();
  }

  return (
    <section className="card danger-zone" aria-labelledby="local-data-title">
      <h2 id="local-data-title">Local data</h2>
      <p className="muted">
        Conversations are kept only in this browser. Deleting them cannot be undone; export them first if you want a copy.
      </p>
      {confirming ? (
        <p className="confirm" role="group" aria-label="Confirm deleting all local data">
          Delete every conversation and setting stored in this browser?{" "}
          <button type="button" className="danger" onClick={() => void deleteAll()} disabled={state === "deleting"}>
            Yes, delete everything
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </p>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete all local data
        </button>
      )}
      <div role="status">
        {state === "blocked" && <p className="error">Close Quire’s other tabs to finish deleting.</p>}
        {state === "failed" && <p className="error">This browser would not delete the data. Try again, or clear the site’s data in the browser’s settings.</p>}
      </div>
    </section>
  );
}
