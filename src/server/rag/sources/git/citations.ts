import "server-only";
import { baseUrlLink } from "@/src/server/rag/chunk/section-url";
import { forgeFileUrl, forgeRepository } from "@/src/server/rag/sources/git/remote";
import type { MaterialisedSource } from "@/src/server/rag/sources/types";

/** A path relative to the docs folder as a path inside the repository. */
export function inRepository(repositoryPath: string, relativePath: string): string {
  return repositoryPath === "" ? relativePath : `${repositoryPath}/${relativePath}`;
}

/**
 * Where a git source's citations link: the docs site when `docsBaseUrl` is set, else the
 * file at this commit on a known forge, else Quire's own viewer (null). The key names the
 * scheme without the commit, so a file that did not change keeps its checksum.
 */
export function gitCitations(source: { url: string; commit: string; repositoryPath: string; docsBaseUrl?: string }): Pick<MaterialisedSource, "citationUrl" | "citationKey"> {
  const { docsBaseUrl, commit, repositoryPath } = source;
  if (docsBaseUrl) return { citationKey: `base:${docsBaseUrl}`, citationUrl: (relativePath, anchor) => baseUrlLink(docsBaseUrl, relativePath, anchor) };
  const forge = forgeRepository(source.url);
  if (forge === null) return { citationKey: "viewer", citationUrl: () => null };
  return {
    citationKey: `git:${forge.host}/${forge.repository}:${repositoryPath}`,
    citationUrl: (relativePath, anchor) => forgeFileUrl(forge, commit, inRepository(repositoryPath, relativePath), anchor),
  };
}
