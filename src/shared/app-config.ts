import { z } from "zod";
import { CHAT_LIMITS } from "@/src/shared/chat";

/**
 * What the server tells the page about this deployment: branding, the configured
 * limits and the starter questions. Built per request by `src/server/app-config.ts`
 * and passed by the page (a server component) to the client app as props, so the
 * client never reads env and never guesses a limit.
 */
export const appConfigSchema = z.object({
  /** QUIRE_TITLE: the product name in the header, the tab title and the metadata. */
  title: z.string().min(1).max(80),
  /** QUIRE_DESCRIPTION: one line under the title and in the page metadata. */
  description: z.string().max(300),
  /** QUIRE_ACCENT_COLOR: a #rrggbb colour for links, buttons and focus rings; null keeps the theme's own. */
  accentColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .nullable(),
  /** QUIRE_MAX_MESSAGE_CHARS: the composer's counter uses the same limit the chat route enforces. */
  maxMessageChars: z.number().int().positive(),
  /** Shown on an empty chat; one click asks. */
  starterQuestions: z.array(z.string().min(1).max(300)).max(8),
  /** QUIRE_FOLLOW_UPS: offer follow-up questions after an answer (one short extra call on the user's credential). */
  followUps: z.boolean(),
});
export type AppConfig = z.infer<typeof appConfigSchema>;

/** The values a page renders with when it has no server config (tests, fallbacks). */
export const DEFAULT_APP_CONFIG: AppConfig = {
  title: "Quire",
  description: "Chat with the documentation, on your own inference.",
  accentColor: null,
  maxMessageChars: CHAT_LIMITS.maxMessageChars,
  starterQuestions: [],
  followUps: false,
};
