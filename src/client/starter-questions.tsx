"use client";

/** An empty chat's suggestions (QUIRE_STARTER_QUESTIONS, or drawn from the docs' titles): one click asks. */
export function StarterQuestions({ questions, onAsk, disabled }: { questions: readonly string[]; onAsk: (question: string) => void; disabled: boolean }) {
  if (questions.length === 0) return null;
  return (
    <section className="starter-questions" aria-labelledby="starter-questions-title">
      <h2 id="starter-questions-title" className="muted">
        Try asking
      </h2>
      <ul>
        {questions.map((question) => (
          <li key={question}>
            <button type="button" className="secondary" onClick={() => onAsk(question)} disabled={disabled}>
              {question}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
