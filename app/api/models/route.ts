import { z } from "zod";
import { activeProvider } from "@/src/server/auth/status";
import { AppError } from "@/src/server/errors";
import { withErrorResponse } from "@/src/server/http";
import { listModels } from "@/src/server/providers/model-list";
import { providerIdSchema } from "@/src/shared/providers";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const querySchema = z.object({ provider: providerIdSchema.optional() });

/** GET /api/models?provider=chutes|openrouter: chat models for the given or the active provider. */
export const GET = withErrorResponse(async (request: Request) => {
  const query = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new AppError("bad_request", "provider must be “chutes” or “openrouter”.");
  const provider = query.data.provider ?? (await activeProvider(request));
  return Response.json(await listModels(provider), { headers: { "Cache-Control": "private, max-age=60" } });
});
