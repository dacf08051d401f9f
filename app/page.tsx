import { QuireApp } from "@/src/client/quire-app";

export default function HomePage() {
  return <QuireApp />;
}
