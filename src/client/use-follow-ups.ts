"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { fetchFollowUps } from "@/src/client/api";
import type { QuireMessage } from "@/src/client/conversation-store";
import { messageText } from "@/src/shared/chat";
import { FOLLOW_UP_LIMITS, type FollowUpRequest } from "@/src/shared/follow-ups";
import type { ProviderId } from "@/src/shared/providers";
import { sourceFromPart } from "@/src/shared/sources";

/** The suggestions of one answer; `questions` is null while they load. */
export interface FollowUps {
  messageId: string;
  questions: string[] | null;
}

/**
 * The follow-up request for a finished answer: its question (the user message before it),
 * its text, and the ids of its sources. Null when there is nothing to ground suggestions in.
 */
export function followUpRequestFor(
  answer: QuireMessage,
  messages: readonly QuireMessage[],
  choice: { provider: ProviderId; model: string | null },
): FollowUpRequest | null {
  const index = messages.findIndex((message) => message.id === answer.id);
  const asked = index > 0 ? messages[index - 1] : undefined;
  const question = asked?.role === "user" ? messageText(asked).trim() : "";
  const text = messageText(answer);
  const sourceIds = answer.parts.flatMap((part) => sourceFromPart(part)?.id ?? []).slice(0, FOLLOW_UP_LIMITS.maxSources);
  if (question === "" || text.trim() === "" || sourceIds.length === 0) return null;
  return {
    provider: choice.provider,
    ...(choice.model && { model: choice.model }),
    question,
    answer: text.slice(0, FOLLOW_UP_LIMITS.maxAnswerChars),
    sourceIds,
  };
}

/**
 * Suggestions for the last answer only, kept in state keyed by its message id: they are
 * asked for once, when an answer finishes, and never again on a re-render or a reload
 * (a stored conversation shows none, so opening it spends nothing). A failure hides them.
 */
export function useFollowUps(enabled: boolean) {
  const [followUps, setFollowUps] = useState<FollowUps | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const clear = useCallback(() => {
    inFlight.current?.abort();
    inFlight.current = null;
    setFollowUps(null);
  }, []);

  const request = useCallback(
    (messageId: string, body: FollowUpRequest | null) => {
      inFlight.current?.abort();
      inFlight.current = null;
      if (!enabled || body === null) return setFollowUps(null);
      const controller = new AbortController();
      inFlight.current = controller;
      setFollowUps({ messageId, questions: null });
      void fetchFollowUps(body, controller.signal).then((result) => {
        if (controller.signal.aborted) return;
        inFlight.current = null;
        const questions = result.ok ? result.data.questions : [];
        setFollowUps(questions.length > 0 ? { messageId, questions } : null);
      });
    },
    [enabled],
  );

  useEffect(() => () => inFlight.current?.abort(), []);
  return { followUps, request, clear };
}
