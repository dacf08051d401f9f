"use client";

import type { ReactNode } from "react";
import { ModelDefaults } from "@/src/client/model-defaults";
import { ThemePicker } from "@/src/client/theme-picker";
import { connectedProviders } from "@/src/client/use-auth-status";
import type { AuthStatus } from "@/src/shared/auth";

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="settings-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Settings below the provider cards: the model each provider starts with, and the theme. */
export function SettingsSections({ status }: { status: AuthStatus }) {
  return (
    <>
      <Section id="settings-models" title="Model defaults">
        <ModelDefaults providers={connectedProviders(status)} />
      </Section>
      <Section id="settings-appearance" title="Appearance">
        <ThemePicker />
      </Section>
    </>
  );
}
