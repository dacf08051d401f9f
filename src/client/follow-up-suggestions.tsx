"use client";

import { useId } from "react";

/** Under the last answer (QUIRE_FOLLOW_UPS): two or three questions grounded in its sources; one click asks. */
export function FollowUpSuggestions({ questions, onAsk }: { questions: readonly string[]; onAsk: (question: string) => void }) {
  const labelId = useId();
  if (questions.length === 0) return null;
  return (
    <div className="follow-ups" role="group" aria-labelledby={labelId}>
      <p id={labelId} className="follow-ups-title muted">
        Suggested follow-ups
      </p>
      <ul>
        {questions.map((question) => (
          <li key={question}>
            <button type="button" className="secondary small" onClick={() => onAsk(question)}>
              {question}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
