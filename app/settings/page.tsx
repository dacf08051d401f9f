import { QuireApp } from "@/src/client/quire-app";
import { appConfig } from "@/src/server/app-config";

export default async function SettingsPage() {
  return <QuireApp config={await appConfig()} initialView="settings" />;
}
