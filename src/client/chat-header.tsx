"use client";

import { useEffect, useState, type RefObject } from "react";
import { fetchModels } from "@/src/client/api";
import { BrandMark } from "@/src/client/branding";
import { MethodBadge } from "@/src/client/provider-cards";
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

/** Provider switcher, the active method's badge, and the model picker. */
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

  const options = models?.provider === provider ? models.models : [];
  const selected = model ?? models?.defaultModel ?? "";

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
            onChange={(event) => onModelChange(event.target.value)}
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
        <button type="button" className="secondary" onClick={props.onNewChat} disabled={props.busy}>
          New chat
        </button>
        <button type="button" className="secondary" onClick={props.onOpenSettings}>
          Settings
        </button>
      </div>
    </header>
  );
}
