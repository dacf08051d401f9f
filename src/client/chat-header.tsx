"use client";

import { useEffect, useMemo, useState, type RefObject } from "react";
import { fetchModels } from "@/src/client/api";
import { BrandMark } from "@/src/client/branding";
import { MethodBadge } from "@/src/client/provider-cards";
import { rememberModel, useRememberedModel } from "@/src/client/remembered-model";
import { connectedProviders } from "@/src/client/use-auth-status";
import type { AuthStatus } from "@/src/shared/auth";
import type { ProviderId } from "@/src/shared/providers";
import type { ModelList } from "@/src/shared/models";
import { providerLabels } from "@/src/shared/providers";

interface ChatHeaderProps {
  status: AuthStatus;
  provider: ProviderId;
  onProviderChange: (provider: ProviderId) => void;
  model: string | null;
  onModelChange: (model: string | null) => void;
  modelPicker: RefObject<HTMLSelectElement | null>;
  onOpenSettings: () => void;
  onNewChat: () => void;
  busy: boolean;
}

/**
 * Provider switcher, the active method's badge and the model picker, in one row; New chat
 * and Settings sit beside them on a wide screen and behind a "More" button on a phone.
 * The model is remembered per provider.
 */
export function ChatHeader(props: ChatHeaderProps) {
  const { status, provider, onProviderChange, model, onModelChange, modelPicker } = props;
  const [models, setModels] = useState<ModelList | null>(null);
  const providers = connectedProviders(status);

  useEffect(() => {
    let cancelled = false;
    void fetchModels(provider).then((result) => {
      if (!cancelled && result.ok) setModels(result.data);
    });
    return () => {
      cancelled = true;
    };
  }, [provider]);

  const [menuOpen, setMenuOpen] = useState(false);
  const options = useMemo(() => (models?.provider === provider ? models.models : []), [models, provider]);
  const selected = model ?? models?.defaultModel ?? "";
  const available = useMemo(() => options.map((option) => option.id), [options]);
  useRememberedModel(provider, model, available, onModelChange);

  return (
    <header className="chat-header">
      <BrandMark />
      <div className="header-controls">
        <label>
          <span className="visually-hidden">Provider</span>
          <select
            aria-label="Provider"
            value={provider}
            onChange={(event) => {
              onProviderChange(event.target.value as ProviderId);
              onModelChange(null);
            }}
            disabled={props.busy}
          >
            {providers.map((id) => (
              <option key={id} value={id}>
                {providerLabels[id]}
              </option>
            ))}
          </select>
        </label>
        <MethodBadge method={status[provider].active} />
        <label>
          <span className="visually-hidden">Model</span>
          <select
            ref={modelPicker}
            aria-label="Model"
            value={selected}
            onChange={(event) => {
              rememberModel(provider, event.target.value);
              onModelChange(event.target.value);
            }}
            disabled={props.busy || options.length === 0}
          >
            {options.length === 0 && <option value={selected}>{selected || "Loading models…"}</option>}
            {options.map((option) => (
              <option key={option.id} value={option.id}>
                {option.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary header-menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="header-actions"
          onClick={() => setMenuOpen((open) => !open)}
        >
          More
        </button>
        <div id="header-actions" className={menuOpen ? "header-actions open" : "header-actions"}>
          <button type="button" className="secondary" onClick={props.onNewChat} disabled={props.busy}>
            New chat
          </button>
          <button type="button" className="secondary" onClick={props.onOpenSettings}>
            Settings
          </button>
        </div>
      </div>
    </header>
  );
}
