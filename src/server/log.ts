import "server-only";
import pino, { type DestinationStream, type Logger } from "pino";
import { env } from "@/src/server/env";

/**
 * Secrets look like these: Chutes keys, OAuth access and refresh tokens, OpenRouter keys,
 * Bearer values and cookies. Anything matching is replaced before a line is written.
 */
const secretPattern = /\b(?:cpk_|cak_|crt_|csc_|sk-or-)[A-Za-z0-9._-]+|\bBearer\s+[A-Za-z0-9._~+/=-]+/g;
const secretKeyPattern = /^(authorization|cookie|set-cookie|api[-_]?key|apikey|token|access[-_]?token|refresh[-_]?token|client[-_]?secret|secret|password|code[-_]?verifier|key)$/i;
const REDACTED = "[redacted]";

/** Replaces every secret-looking substring. */
export function redactText(text: string): string {
  return text.replace(secretPattern, REDACTED);
}

/** A deep copy with secrets removed by key name and by value pattern. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (value instanceof Error) {
    return { type: value.name, message: redactText(value.message), ...(value.stack && { stack: redactText(value.stack) }) };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = secretKeyPattern.test(key) ? REDACTED : redactValue(inner, depth + 1);
  }
  return copy;
}

/** Builds a logger whose every line passes through the redactor. */
export function createLogger(destination?: DestinationStream, level?: string): Logger {
  return pino(
    {
      level: level ?? env().LOG_LEVEL,
      base: { app: "quire" },
      formatters: { log: (object) => redactValue(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((argument) => (typeof argument === "string" ? redactText(argument) : argument));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

let shared: Logger | undefined;

export function log(): Logger {
  shared ??= createLogger();
  return shared;
}
