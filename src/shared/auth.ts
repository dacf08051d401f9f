import { z } from "zod";
import { providerIdSchema } from "@/src/shared/providers";

/** GET /api/auth/status: what the UI may show about each provider. Never a secret. */
export const authStatusSchema = z.object({
  /** The provider a chat uses when it names none: the server's precedence rule decides. */
  activeProvider: providerIdSchema.nullable(),
  chutes: z.object({
    active: z.enum(["apiKey", "oauth"]).nullable(),
    apiKey: z.object({ hint: z.string(), username: z.string().nullable(), balance: z.number().nullable() }).nullable(),
    oauth: z.object({ username: z.string().nullable() }).nullable(),
    oauthEnabled: z.boolean(),
    /** Set when the OAuth session could not be refreshed and the user must sign in again. */
    sessionExpired: z.boolean(),
  }),
  openrouter: z.object({
    active: z.enum(["apiKey"]).nullable(),
    apiKey: z
      .object({ hint: z.string(), limit: z.number().nullable(), limitRemaining: z.number().nullable() })
      .nullable(),
  }),
});
export type AuthStatus = z.infer<typeof authStatusSchema>;

/** The successful answer of POST /api/auth/{provider}/key. */
export const connectKeyResponseSchema = z.object({
  provider: providerIdSchema,
  hint: z.string(),
  username: z.string().nullable(),
  balance: z.number().nullable(),
  limit: z.number().nullable(),
  limitRemaining: z.number().nullable(),
});
export type ConnectKeyResponse = z.infer<typeof connectKeyResponseSchema>;
