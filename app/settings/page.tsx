import { QuireApp } from "@/src/client/quire-app";

export default function SettingsPage() {
  return <QuireApp initialView="settings" />;
}
