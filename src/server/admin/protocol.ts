import "server-only";
import { z } from "zod";
import { commandRequestSchema } from "@/src/server/commands/registry";

/**
 * The admin endpoint's wire format. `POST /v1/commands` takes `{ request, isTTY }`: the
 * command request (the same one the CLI would run locally) and whether the CLI's stderr is a
 * terminal, and answers with NDJSON: one event per output call of the command,
 * in order, then `exit` with its code, or `fail` with the message of an error
 * it threw. Errors before the stream starts are JSON `{ error: { code, message } }`.
 */
export const ADMIN_COMMANDS_PATH = "/v1/commands";
export const ADMIN_HEALTH_PATH = "/v1/health";
export const ADMIN_MAX_BODY_BYTES = 64 * 1024;

export const adminCommandBodySchema = z.object({ request: commandRequestSchema, isTTY: z.boolean() }).strict();
export type AdminCommandBody = z.infer<typeof adminCommandBodySchema>;

export const commandEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("log"), line: z.string() }),
  z.object({ type: z.literal("error"), line: z.string() }),
  z.object({ type: z.literal("write"), text: z.string() }),
  z.object({ type: z.literal("exit"), code: z.number().int().min(0).max(255) }),
  z.object({ type: z.literal("fail"), message: z.string() }),
]);
export type CommandEvent = z.infer<typeof commandEventSchema>;

export const adminErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
