import { keyRouteHandlers } from "@/src/server/auth/key-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST { apiKey } validates and stores the key in a sealed cookie; DELETE removes it. */
export const { POST, DELETE } = keyRouteHandlers("chutes");
