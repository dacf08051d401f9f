import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import { isMap, isNode, isSeq, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { safeHttpUrl } from "@/src/shared/safe-url";

/**
 * `quire.sources.yaml`: the docs sources one Quire serves, each synced under its name.
 *
 * ```yaml
 * sources:
 *   - name: handbook
 *     folder: ./docs
 *     base_url: https://docs.example.com
 *   - name: sdk
 *     git: https://github.com/acme/sdk.git
 *     ref: main
 *     path: docs
 *     token_env: QUIRE_GIT_TOKEN
 *   - name: blog
 *     sitemap: https://acme.dev/sitemap.xml
 *   - name: wiki
 *     site: https://wiki.acme.dev/start
 *     max_pages: 200
 * ```
 */

/** A name is the documents' path prefix and a folder name under QUIRE_DATA_DIR: plain, short, lower case. */
export const sourceNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit");

const httpUrl = z
  .string()
  .transform((value, context) => {
    const safe = safeHttpUrl(value);
    if (safe === null) context.addIssue({ code: "custom", message: "must be an absolute http(s) URL" });
    // A URL's user and password would be stored with the source and printed by status: refused.
    else if (new URL(safe).username !== "" || new URL(safe).password !== "") {
      context.addIssue({ code: "custom", message: "must not contain a user name or password" });
    }
    return safe ?? "";
  });
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable's name, not its value");
/** Folders and repositories may link citations to a docs site; a website's pages link to themselves. */
const common = { name: sourceNameSchema, base_url: httpUrl.optional() };
const crawlLimits = {
  max_pages: z.number().int().min(1).max(100_000).optional(),
  concurrency: z.number().int().min(1).max(32).optional(),
  delay_ms: z.number().int().min(0).max(60_000).optional(),
};

const folderSpecSchema = z.object({ ...common, folder: z.string().min(1) }).strict();
const gitSpecSchema = z
    .object({
      ...common,
      git: z.string().min(1),
      ref: z.string().min(1).optional(),
      path: z.string().min(1).optional(),
      token_env: envName.optional(),
    })
    .strict();
const sitemapSpecSchema = z.object({ name: sourceNameSchema, sitemap: httpUrl, ...crawlLimits }).strict();
const siteSpecSchema = z.object({ name: sourceNameSchema, site: httpUrl, ...crawlLimits, max_depth: z.number().int().min(0).max(50).optional() }).strict();

export const sourceSpecSchema = z.union([folderSpecSchema, gitSpecSchema, sitemapSpecSchema, siteSpecSchema]);
export type SourceSpec = z.infer<typeof sourceSpecSchema>;
export type SourceKind = "folder" | "git" | "sitemap" | "site";

export function sourceKind(spec: SourceSpec): SourceKind {
  if ("folder" in spec) return "folder";
  if ("git" in spec) return "git";
  if ("sitemap" in spec) return "sitemap";
  return "site";
}

/**
 * One entry checked against the schema of its kind (the key it has), so an error names the
 * field that is wrong rather than "matches no kind of source".
 */
export function parseSourceSpec(raw: unknown): z.ZodSafeParseResult<SourceSpec> {
  const keys = raw !== null && typeof raw === "object" ? Object.keys(raw) : [];
  const kinds = (["folder", "git", "sitemap", "site"] as const).filter((kind) => keys.includes(kind));
  if (kinds.length !== 1) return sourceSpecSchema.safeParse(raw);
  const schema = { folder: folderSpecSchema, git: gitSpecSchema, sitemap: sitemapSpecSchema, site: siteSpecSchema }[kinds[0]!];
  return schema.safeParse(raw);
}

const fileSchema = z
  .object({ sources: z.array(z.unknown()).min(1, "declare at least one source") })
  .strict()
  .superRefine((file, context) => {
    file.sources.forEach((entry, index) => {
      const parsed = parseSourceSpec(entry);
      if (!parsed.success) for (const issue of parsed.error.issues) context.addIssue({ ...issue, path: ["sources", index, ...issue.path] });
    });
  })
  // Runs after a failed refinement too (its issues fail the parse anyway): keep only what parses.
  .transform((file) => ({ sources: file.sources.flatMap((entry) => {
    const parsed = sourceSpecSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  }) }));

export class SourcesFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourcesFileError";
  }
}

/** The line of the node at a zod issue's path, to point the operator at it. */
function lineOf(document: ReturnType<typeof parseDocument>, counter: LineCounter, issuePath: readonly PropertyKey[]): number | null {
  let node: unknown = document.contents;
  for (const key of issuePath) {
    if (isMap(node)) node = node.get(String(key), true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else break;
  }
  const start = isNode(node) ? node.range?.[0] : undefined;
  return start === undefined ? null : counter.linePos(start).line;
}

/**
 * Parses a sources file. Errors name the file, the line and the field; folder paths are
 * resolved against the file's own folder, so the file can be moved with its docs.
 */
export function parseSourcesFile(text: string, file: string): SourceSpec[] {
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = document.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line;
    throw new SourcesFileError(`${file}${line ? `:${line}` : ""}: not valid YAML (${yamlError.code})`);
  }
  const parsed = fileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const line = lineOf(document, counter, issue.path);
    const field = issue.path.join(".") || "(file)";
    const hint = issue.code === "invalid_union" ? "each source needs a name and exactly one of folder, git, sitemap or site, with that kind's fields" : issue.message;
    throw new SourcesFileError(`${file}${line ? `:${line}` : ""}: ${field}: ${hint}`);
  }
  const seen = new Set<string>();
  for (const spec of parsed.data.sources) {
    if (seen.has(spec.name)) throw new SourcesFileError(`${file}: two sources are named ${spec.name}; names must be unique`);
    seen.add(spec.name);
  }
  const base = path.dirname(path.resolve(/*turbopackIgnore: true*/ file));
  return parsed.data.sources.map((spec) => {
    if ("folder" in spec) return { ...spec, folder: path.resolve(base, spec.folder) };
    // A local repository (no scheme, not user@host:path) is relative to the file too.
    if ("git" in spec && !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec.git) && !/^[^/\\]+@[^:]+:/.test(spec.git)) {
      return { ...spec, git: path.resolve(base, spec.git) };
    }
    return spec;
  });
}

/** The declared sources, or null when the file does not exist (then the docs folder is the one source). */
export function readSourcesFile(file: string): SourceSpec[] | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new SourcesFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return parseSourcesFile(text, file);
}
