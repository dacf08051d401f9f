/** Runs once when the server starts (Node.js runtime only); see src/server/startup.ts. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("@/src/server/startup");
  await startServer();
  // Open the knowledge store now, not in the first user's turn: opening the embedded
  // store takes seconds. A failure is only logged; the first chat tries again and
  // answers with the store's own error.
  const [{ getStore }, { log }] = await Promise.all([import("@/src/server/rag/store"), import("@/src/server/log")]);
  void getStore().catch((error: unknown) => log().warn({ err: error }, "the knowledge store did not open at start-up; the first chat will try again"));
}
