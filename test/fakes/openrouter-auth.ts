import { sendJson, type Exchange } from "./http";
import { bearerToken } from "./keys";
import { openrouterError } from "./provider-errors";
import type { Behavior } from "./types";

/**
 * Checks an OpenRouter key (PROTOCOLS §2.3, §2.7). Sends the 401 and returns
 * undefined on failure; returns the key and its behavior otherwise.
 * `inference` consumes one-shot behaviors; account endpoints only read standing ones.
 */
export function authenticateOpenRouter(
  exchange: Exchange,
  inference: boolean,
): { key: string; behavior: Behavior } | undefined {
  const { context, record } = exchange;
  const key = bearerToken(record.authorization);
  const behavior = inference
    ? context.behaviors.forInference("openrouter", key)
    : context.behaviors.forCredential(key);
  if (key === null) {
    const error = openrouterError(401, "No auth credentials found");
    sendJson(exchange, error.status, error.body);
    return undefined;
  }
  if (!context.keys.isValidOpenRouterKey(key) || behavior.reject === true) {
    const error = openrouterError(401, "User not found.");
    sendJson(exchange, error.status, error.body);
    return undefined;
  }
  return { key, behavior };
}
