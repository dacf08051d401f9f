/** Runs once when the server starts (Node.js runtime only); see src/server/startup.ts. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("@/src/server/startup");
  await startServer();
  // Open the knowledge store now, not in the first user's turn (opening the embedded store
  // takes seconds), then the admin endpoint and the interval sync; see src/server/background.ts.
  const { startBackgroundServices } = await import("@/src/server/background");
  void startBackgroundServices();
}
