import { z } from "zod";

/**
 * Where a request's credential came from: an `Authorization: Bearer` header, an API key
 * cookie, the Chutes OAuth session, or the operator's key from the environment (ingest,
 * CLI). The order in which they win lives in `src/server/auth/precedence.ts` alone.
 */
export const credentialKindSchema = z.enum(["header", "apiKey", "oauth", "operator"]);
export type CredentialKind = z.infer<typeof credentialKindSchema>;
