import { QuireApp } from "@/src/client/quire-app";
import { appConfig } from "@/src/server/app-config";

export default async function HomePage() {
  return <QuireApp config={await appConfig()} />;
}
