"use client";

import { useEffect, useState } from "react";
import { fetchModels } from "@/src/client/api";
import { rememberedModel, rememberModel } from "@/src/client/remembered-model";
import type { ModelList } from "@/src/shared/models";
import { providerLabels, type ProviderId } from "@/src/shared/providers";

function ModelDefault({ provider }: { provider: ProviderId }) {
  const [models, setModels] = useState<ModelList | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    void fetchModels(provider).then((result) => {
      if (!current || !result.ok) return;
      setModels(result.data);
      setChosen(rememberedModel(provider));
    });
    return () => {
      current = false;
    };
  }, [provider]);
  const id = `model-default-${provider}`;
  const value = chosen ?? models?.defaultModel ?? "";
  return (
    <p className="model-default">
      <label htmlFor={id}>{providerLabels[provider]}</label>
      <select
        id={id}
        value={value}
        disabled={!models}
        onChange={(event) => {
          rememberModel(provider, event.target.value);
          setChosen(event.target.value);
        }}
      >
        {!models && <option value="">Loading models…</option>}
        {models?.models.map((option) => (
          <option key={option.id} value={option.id}>
            {option.name}
          </option>
        ))}
      </select>
    </p>
  );
}

/** The model each connected provider starts with in this browser (the chat header's choice, remembered per provider). */
export function ModelDefaults({ providers }: { providers: readonly ProviderId[] }) {
  if (providers.length === 0) return <p className="muted">Connect a provider to choose its model.</p>;
  return (
    <div className="model-defaults">
      {providers.map((provider) => (
        <ModelDefault key={provider} provider={provider} />
      ))}
    </div>
  );
}
