"use client";

import { useEffect, useState } from "react";
import type { ErrorPayload } from "@/src/shared/errors";

/**
 * The ids of answers that were cut off (by an error or by Stop), so they keep their
 * "interrupted" mark across reloads. An error that ends a partial answer marks it.
 */
export function useInterruptedAnswers(initial: string[], lastMessage: { id: string; role: string } | undefined, liveError: ErrorPayload | null) {
  const [interrupted, setInterrupted] = useState<string[]>(initial);
  useEffect(() => {
    if (liveError && lastMessage?.role === "assistant" && !interrupted.includes(lastMessage.id)) {
      // Derived from the stream's outcome, which only exists after it settles.
      // eslint-disable-next-line react-hooks/set-state-in-effect
      setInterrupted((ids) => [...ids, lastMessage.id]);
    }
  }, [liveError, lastMessage, interrupted]);
  const mark = (id: string) => setInterrupted((ids) => (ids.includes(id) ? ids : [...ids, id]));
  const reset = () => setInterrupted([]);
  return { interrupted, mark, reset };
}
