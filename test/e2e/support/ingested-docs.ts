import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ingestWithCli } from "@/test/support/ingest";

/** A small docs folder, ingested (full text and fake vectors) before the app starts, so answers cite sources. */
export async function ingestedDocs(env: Record<string, string>, prefix = "quire-e2e-docs-"): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  const docsDir = path.join(dataDir, "docs");
  mkdirSync(path.join(docsDir, "guide"), { recursive: true });
  writeFileSync(
    path.join(docsDir, "guide/install.md"),
    "# Installing Quire\n\n## Linux\n\nDownload the tarball, unpack it into /opt/quire and run `quire serve`. It needs glibc 2.31.\n",
  );
  writeFileSync(path.join(docsDir, "staking.md"), "# Staking\n\nStaking locks tokens for an epoch; rewards are paid at the end of each epoch.\n");
  const appEnv = { ...env, QUIRE_DATA_DIR: dataDir, QUIRE_DOCS_DIR: docsDir };
  await ingestWithCli({ ...process.env, ...appEnv });
  return appEnv;
}
