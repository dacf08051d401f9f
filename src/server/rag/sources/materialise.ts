import "server-only";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { baseUrlLink } from "@/src/server/rag/chunk/section-url";
import { sourceKind, type SourceKind, type SourceSpec } from "@/src/server/rag/sources/config";
import { describeGitRemote, materialiseGit } from "@/src/server/rag/sources/git";
import { SourceUnavailableError, type MaterialiseProgress, type MaterialisedSource } from "@/src/server/rag/sources/types";
import { materialiseWebsite } from "@/src/server/rag/sources/website";

/** A plain folder: read where it is; links from its base URL (the docs folder's is QUIRE_DOCS_BASE_URL). */
export function folderSource(dir: string, baseUrl: string | undefined): MaterialisedSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SourceUnavailableError(`the docs folder ${dir} does not exist.`);
  return {
    dir,
    revision: null,
    citationUrl: (relativePath, anchor) => (baseUrl ? baseUrlLink(baseUrl, relativePath, anchor) : null),
    // The docs folder's checksums have always covered its base URL this way: they stay valid.
    citationKey: baseUrl ?? "",
    notices: [],
  };
}

/** Where a source comes from, for status and logs: never a credential (git URLs with one are refused anyway). */
export function describeSource(spec: SourceSpec): string {
  if ("folder" in spec) return spec.folder;
  if ("git" in spec) return `${describeGitRemote(spec.git)}${spec.ref ? ` @ ${spec.ref}` : ""}${spec.path ? ` (${spec.path})` : ""}`;
  if ("sitemap" in spec) return spec.sitemap;
  return spec.site;
}

export interface MaterialiseOptions {
  /** QUIRE_DATA_DIR: checkouts and fetched pages live under `sources/<name>`. */
  dataDir: string;
  onProgress?: MaterialiseProgress;
  signal?: AbortSignal;
}

/** Brings one declared source into a local folder. Throws SourceUnavailableError when it can't be reached at all. */
export async function materialiseSource(spec: SourceSpec, options: MaterialiseOptions): Promise<MaterialisedSource & { kind: SourceKind }> {
  const kind = sourceKind(spec);
  const workDir = path.join(options.dataDir, "sources", spec.name);
  const progress = { ...(options.onProgress && { onProgress: options.onProgress }), ...(options.signal && { signal: options.signal }) };
  if ("folder" in spec) return { ...folderSource(spec.folder, spec.base_url), kind };
  if ("git" in spec) {
    const source = await materialiseGit({
      url: spec.git,
      checkoutDir: workDir,
      ...(spec.ref && { ref: spec.ref }),
      ...(spec.path && { path: spec.path }),
      ...(spec.token_env && { tokenEnv: spec.token_env }),
      ...(spec.base_url && { docsBaseUrl: spec.base_url }),
      ...progress,
    });
    return { ...source, kind };
  }
  const limits = {
    outputDir: workDir,
    ...(spec.max_pages !== undefined && { maxPages: spec.max_pages }),
    ...(spec.concurrency !== undefined && { concurrency: spec.concurrency }),
    ...(spec.delay_ms !== undefined && { delayMs: spec.delay_ms }),
    ...progress,
  };
  const source =
    "sitemap" in spec
      ? await materialiseWebsite({ sitemap: spec.sitemap, ...limits })
      : await materialiseWebsite({ start: spec.site, ...(spec.max_depth !== undefined && { maxDepth: spec.max_depth }), ...limits });
  return { ...source, kind };
}
