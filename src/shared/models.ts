import { z } from "zod";
import { providerIdSchema } from "@/src/shared/providers";

export const modelOptionSchema = z.object({ id: z.string(), name: z.string(), contextLength: z.number().nullable() });
export type ModelOption = z.infer<typeof modelOptionSchema>;

/** GET /api/models?provider=… */
export const modelListSchema = z.object({
  provider: providerIdSchema,
  defaultModel: z.string(),
  models: z.array(modelOptionSchema),
  /** True when the provider could not be asked and a short built-in list is shown. */
  fallback: z.boolean(),
});
export type ModelList = z.infer<typeof modelListSchema>;
