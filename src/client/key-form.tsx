"use client";

import { useId, useState, type FormEvent } from "react";
import { connectKey, removeKey } from "@/src/client/api";
import type { ErrorPayload } from "@/src/shared/errors";
import type { ProviderId } from "@/src/shared/providers";

interface KeyFormProps {
  provider: ProviderId;
  label: string;
  placeholder: string;
  /** The masked hint of the stored key, when one is stored. */
  storedHint: string | null;
  onChange: () => void | Promise<void>;
}

/** A password-type key input with show/hide, validation feedback, and removal with confirmation. */
export function KeyForm({ provider, label, placeholder, storedHint, onChange }: KeyFormProps) {
  const inputId = useId();
  const [value, setValue] = useState("");
  const [visible, setVisible] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const [confirmingRemoval, setConfirmingRemoval] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const result = await connectKey(provider, value);
    setPending(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setValue("");
    setVisible(false);
    // The card shows "Connected as …" from the refreshed status.
    await onChange();
  }

  async function remove() {
    setPending(true);
    const result = await removeKey(provider);
    setPending(false);
    setConfirmingRemoval(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    await onChange();
  }

  return (
    <div className="key-form">
      <form onSubmit={submit} aria-busy={pending}>
        <label htmlFor={inputId}>{label}</label>
        <div className="key-input-row">
          <input
            id={inputId}
            type={visible ? "text" : "password"}
            value={value}
            placeholder={storedHint ? `Replace ${storedHint}` : placeholder}
            onChange={(event) => setValue(event.target.value)}
            autoComplete="off"
            spellCheck={false}
            disabled={pending}
          />
          <button type="button" className="secondary" onClick={() => setVisible((shown) => !shown)} aria-pressed={visible}>
            {visible ? "Hide" : "Show"}
          </button>
          <button type="submit" disabled={pending || value.trim() === ""}>
            {pending ? "Checking key…" : "Save key"}
          </button>
        </div>
      </form>
      <div aria-live="polite" className="key-feedback">
        {pending && <p className="muted">Checking the key with the provider…</p>}
        {error && (
          <p className="error" role="alert">
            {error.message}
            {error.topUpUrl && (
              <>
                {" "}
                <a href={error.topUpUrl} target="_blank" rel="noreferrer">
                  Top up
                </a>
              </>
            )}
          </p>
        )}
      </div>
      {storedHint && (
        <div className="stored-key">
          <span>
            Saved key: <code>{storedHint}</code>
          </span>
          {confirmingRemoval ? (
            <span className="confirm">
              Remove this key?{" "}
              <button type="button" className="danger" onClick={remove} disabled={pending}>
                Yes, remove
              </button>{" "}
              <button type="button" className="secondary" onClick={() => setConfirmingRemoval(false)}>
                Cancel
              </button>
            </span>
          ) : (
            <button type="button" className="secondary" onClick={() => setConfirmingRemoval(true)}>
              Remove key
            </button>
          )}
        </div>
      )}
    </div>
  );
}
