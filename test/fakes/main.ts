import { z } from "zod";
import { startFakeProviders } from "./server";

/**
 * `npm run fakes`: the fake providers as a standalone server, so a developer
 * (or a test in another process) can point a running Quire at them.
 */

const DEFAULT_CLIENT = {
  clientId: "cid_quirelocaldev000000000000",
  redirectUris: ["http://localhost:3000/api/auth/chutes/callback"],
};

const portSchema = z.coerce.number().int().min(0).max(65_535);

function requestedPort(argv: string[]): number {
  const flagIndex = argv.findIndex((argument) => argument === "--port" || argument.startsWith("--port="));
  const flag = flagIndex < 0 ? undefined : argv[flagIndex]?.includes("=") ? argv[flagIndex]?.split("=")[1] : argv[flagIndex + 1];
  return portSchema.parse(flag ?? process.env.FAKES_PORT ?? 4010);
}

async function main(): Promise<void> {
  const fakes = await startFakeProviders({ port: requestedPort(process.argv.slice(2)), oauthClients: [DEFAULT_CLIENT] });
  const lines = [
    `Fake Chutes + OpenRouter listening on ${fakes.url}`,
    "",
    "# Point Quire at the fakes:",
    ...Object.entries(fakes.env()).map(([name, value]) => `export ${name}=${value}`),
    `export CHUTES_OAUTH_CLIENT_ID=${DEFAULT_CLIENT.clientId}`,
    "export QUIRE_UNSAFE_ALLOW_HTTP_IDP=1  # the fake IDP speaks plain http",
    "",
    "# Credentials the fakes accept:",
    `Chutes API key (user "alice"):  ${fakes.keys.chutesKey("alice")}`,
    `OpenRouter key:                 ${fakes.keys.openrouterKey("alice")}`,
    `OpenRouter management key:      ${fakes.keys.openrouterKey("alice", { management: true })}`,
    `OAuth client id:                ${DEFAULT_CLIENT.clientId} (redirect ${DEFAULT_CLIENT.redirectUris[0]})`,
    "",
    `Control API: POST ${fakes.url}/__fake/behavior, POST ${fakes.url}/__fake/reset, GET ${fakes.url}/__fake/requests`,
    "Press Ctrl+C to stop.",
  ];
  console.log(lines.join("\n"));

  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping the fake providers.`);
    void fakes.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
