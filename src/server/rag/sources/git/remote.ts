import "server-only";
import path from "node:path";

/** How a git remote is reached: only these transports are fetched (no ssh, no `ext::` helpers). */
export type RemoteKind = "https" | "http" | "file" | "local";

export interface FetchableRemote {
  kind: RemoteKind;
  /** What is passed to git: the URL as given, or an absolute local path. */
  target: string;
  /** Host (and port) of an http(s) remote, lower case; null for file:// and local paths. */
  host: string | null;
}

/** A repository on a forge whose web UI shows a file at a commit. */
export interface ForgeRepository {
  host: "github.com" | "gitlab.com" | "codeberg.org" | "bitbucket.org";
  /** `owner/repo`, or `group/subgroup/repo` on GitLab, without `.git`. */
  repository: string;
}

const FORGE_HOSTS: readonly ForgeRepository["host"][] = ["github.com", "gitlab.com", "codeberg.org", "bitbucket.org"];
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
// `user@host:path` or `host:path` (git's scp-like ssh syntax), as opposed to a local path.
const SCP_LIKE = /^(?:[^@/:\s]+@)?([^@/:\s]+):(?!\/\/)(.+)$/;

/**
 * Classifies the `url` option. Credentials inside the URL are refused rather than
 * stripped: a token pasted into the config file would otherwise sit there in clear
 * text while the operator believes it is used. `tokenEnv` is the one way in.
 */
export function parseFetchableRemote(url: string): FetchableRemote | { error: string } {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (SCP_LIKE.test(url) && !url.startsWith("/") && !url.startsWith(".")) {
      return { error: "ssh remotes are not supported; use an https:// URL (with tokenEnv for a private repository)" };
    }
    return { kind: "local", target: path.resolve(url), host: null };
  }
  if (scheme !== "https" && scheme !== "http" && scheme !== "file") {
    return { error: `the ${scheme}:// transport is not supported; use https://, http://, file:// or a local path` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: "the URL cannot be parsed" };
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return { error: "the URL carries credentials; remove them and name an environment variable holding the token in tokenEnv" };
  }
  if (scheme === "file") return { kind: "file", target: url, host: null };
  return { kind: scheme, target: url, host: parsed.host.toLowerCase() };
}

/** The remote without any user name or password, for status output and error messages. */
export function describeGitRemote(url: string): string {
  if (SCHEME.test(url)) {
    try {
      const parsed = new URL(url);
      parsed.username = "";
      parsed.password = "";
      return parsed.toString();
    } catch {
      return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, "$1");
    }
  }
  const scp = SCP_LIKE.exec(url);
  if (scp && !url.startsWith("/") && !url.startsWith(".")) return `${scp[1]}:${scp[2]}`;
  return url;
}

/** The forge repository behind an https URL or an scp-like `git@host:owner/repo.git`, for links only. */
export function forgeRepository(url: string): ForgeRepository | null {
  let host: string;
  let repositoryPath: string;
  if (SCHEME.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "ssh:") return null;
    if (parsed.protocol === "https:" && parsed.port !== "") return null;
    host = parsed.hostname.toLowerCase();
    repositoryPath = decodeURIComponent(parsed.pathname);
  } else {
    const scp = SCP_LIKE.exec(url);
    if (!scp || url.startsWith("/") || url.startsWith(".")) return null;
    host = (scp[1] ?? "").toLowerCase();
    repositoryPath = scp[2] ?? "";
  }
  const forgeHost = FORGE_HOSTS.find((candidate) => candidate === host);
  if (forgeHost === undefined) return null;
  const segments = repositoryPath
    .replace(/\/+$/, "")
    .replace(/\.git$/i, "")
    .split("/")
    .filter((segment) => segment !== "");
  // GitLab nests groups; the others have exactly owner/repo.
  const enough = forgeHost === "gitlab.com" ? segments.length >= 2 : segments.length === 2;
  if (!enough) return null;
  return { host: forgeHost, repository: segments.join("/") };
}

/** The forge's page of one file at one commit, scrolled to the section's anchor. */
export function forgeFileUrl(forge: ForgeRepository, commit: string, pathInRepository: string, anchor: string | null): string {
  const repository = forge.repository.split("/").map(encodeURIComponent).join("/");
  const file = pathInRepository.split("/").map(encodeURIComponent).join("/");
  const route = {
    "github.com": `blob/${commit}`,
    "gitlab.com": `-/blob/${commit}`,
    "codeberg.org": `src/commit/${commit}`,
    "bitbucket.org": `src/${commit}`,
  }[forge.host];
  return `https://${forge.host}/${repository}/${route}/${file}${anchor ? `#${encodeURIComponent(anchor)}` : ""}`;
}

/**
 * Removes the given secrets, any `Authorization:` header value and any URL userinfo from
 * text that git printed, before it reaches an error message or a log.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length > 0) scrubbed = scrubbed.split(secret).join("***");
  }
  return scrubbed
    .replace(/(authorization:\s*)[^\r\n]*/gi, "$1***")
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1");
}

/**
 * The `path` option as a clean relative path with `/` separators ("" for the root), or an
 * error: absolute paths and `..` segments would reach outside the working copy.
 */
export function normaliseRepositoryPath(input: string | undefined): string | { error: string } {
  if (input === undefined) return "";
  if (input.includes("\0") || input.includes("\\")) return { error: `path ${JSON.stringify(input)} must use / separators` };
  if (path.posix.isAbsolute(input) || /^[a-z]:/i.test(input)) return { error: `path ${JSON.stringify(input)} must be relative to the repository root` };
  const segments = input.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.some((segment) => segment === "..")) return { error: `path ${JSON.stringify(input)} must stay inside the repository (no "..")` };
  if (segments.some((segment) => segment.toLowerCase() === ".git")) return { error: `path ${JSON.stringify(input)} must not name .git` };
  return segments.join("/");
}
