import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { BehaviorStore } from "./behaviors";
import { handleChutesApi } from "./chutes-api";
import { handleChutesEmbed, handleChutesLlm } from "./chutes-inference";
import { handleControl } from "./control";
import { headerRecord, parseBody, readBody, sendJson, type Exchange, type FakeContext, type FakeUrls } from "./http";
import { FakeIdp } from "./idp";
import { FakeKeyRegistry } from "./keys";
import { handleOpenRouter } from "./openrouter";
import type { FakeProviders, FakeProvidersOptions, ProviderName, RecordedRequest, Surface } from "./types";

export type {
  Behavior,
  ChatReplyRequest,
  CreditsMode,
  FakeOAuth,
  FakeOAuthClient,
  FakeProviders,
  FakeProvidersOptions,
  KeyRegistry,
  NextBehavior,
  ProviderName,
  RecordedRequest,
  Surface,
} from "./types";
export { ANY_CREDENTIAL } from "./behaviors";

interface Route {
  prefix: string;
  provider: ProviderName;
  surface: Surface;
  handle: (exchange: Exchange) => void | Promise<void>;
}

/** One server, one path prefix per upstream base URL. */
const ROUTES: Route[] = [
  { prefix: "/chutes/api", provider: "chutes", surface: "api", handle: handleChutesApi },
  { prefix: "/chutes/llm/v1", provider: "chutes", surface: "llm", handle: handleChutesLlm },
  { prefix: "/chutes/embed/v1", provider: "chutes", surface: "embed", handle: handleChutesEmbed },
  { prefix: "/openrouter/api/v1", provider: "openrouter", surface: "openrouter", handle: handleOpenRouter },
];

function urlsFor(port: number): FakeUrls {
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    chutesApiUrl: `${url}/chutes/api`,
    chutesLlmUrl: `${url}/chutes/llm/v1`,
    chutesEmbedUrl: `${url}/chutes/embed/v1`,
    openrouterUrl: `${url}/openrouter/api/v1`,
  };
}

function newRecord(request: IncomingMessage, url: URL, route: Route): RecordedRequest {
  return {
    provider: route.provider,
    surface: route.surface,
    method: request.method ?? "GET",
    path: url.pathname.slice(route.prefix.length) || "/",
    query: Object.fromEntries(url.searchParams),
    authorization: request.headers.authorization ?? null,
    headers: headerRecord(request),
    body: null,
    startedAt: Date.now(),
  };
}

/**
 * Records the request before its body arrives (so aborted uploads show up too),
 * and notes when the client hangs up before the response finished.
 */
async function handleProviderRequest(
  context: FakeContext,
  route: Route,
  url: URL,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const record = newRecord(request, url, route);
  context.requests.push(record);
  const controller = new AbortController();
  const exchange: Exchange = { request, response, record, url, path: record.path, body: null, signal: controller.signal, context, dropped: false };
  response.on("finish", () => {
    record.endedAt ??= Date.now();
    record.status = response.statusCode;
  });
  response.on("close", () => {
    if (!response.writableFinished && !exchange.dropped) {
      record.clientClosedAt ??= Date.now();
      record.endedAt ??= record.clientClosedAt;
    }
    controller.abort();
  });
  try {
    exchange.body = parseBody(await readBody(request), request.headers["content-type"]);
    record.body = exchange.body;
    await route.handle(exchange);
  } catch (error) {
    if (!response.headersSent) sendJson(exchange, 500, { detail: `Fake provider bug: ${String(error)}` });
    else response.destroy();
  }
}

/** Sends a request to the control API or to the provider whose prefix it carries. */
function dispatch(context: FakeContext, fakes: () => FakeProviders, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? "/", context.urls.url);
  if (url.pathname.startsWith("/__fake/")) {
    void handleControl(fakes(), request, response, url.pathname);
    return;
  }
  const route = ROUTES.find((candidate) => url.pathname === candidate.prefix || url.pathname.startsWith(`${candidate.prefix}/`));
  if (route === undefined) {
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: `No fake provider at ${url.pathname}` }));
    return;
  }
  void handleProviderRequest(context, route, url, request, response);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("Fake providers: no TCP address"));
      else resolve(address.port);
    });
  });
}

/**
 * Starts the fake Chutes + OpenRouter providers on 127.0.0.1 (an ephemeral
 * port unless `port` is given). See /work/shared/PROTOCOLS.md for the wire formats.
 */
export async function startFakeProviders(options: FakeProvidersOptions = {}): Promise<FakeProviders> {
  const requests: RecordedRequest[] = [];
  const urls = urlsFor(0);
  const context: FakeContext = {
    urls,
    requests,
    behaviors: new BehaviorStore(),
    keys: new FakeKeyRegistry(),
    idp: new FakeIdp(() => requests),
    settings: { creditsMode: options.openrouterCreditsMode ?? "legacy", chatReply: options.chat?.reply },
  };
  for (const client of options.oauthClients ?? []) context.idp.registerClient(client);

  const server = createServer((request, response) => dispatch(context, () => fakes, request, response));
  Object.assign(urls, urlsFor(await listen(server, options.port ?? 0)));

  const fakes: FakeProviders = {
    ...urls,
    chutesIdpUrl: urls.chutesApiUrl,
    requests,
    env: () => ({
      CHUTES_API_URL: urls.chutesApiUrl,
      CHUTES_IDP_URL: urls.chutesApiUrl,
      CHUTES_LLM_URL: urls.chutesLlmUrl,
      CHUTES_EMBED_URL: urls.chutesEmbedUrl,
      OPENROUTER_API_URL: urls.openrouterUrl,
    }),
    keys: context.keys,
    oauth: context.idp,
    setBehavior: (credential, behavior) => context.behaviors.set(credential, behavior),
    setNextBehavior: (behavior) => context.behaviors.setNext(behavior),
    setOpenRouterCreditsMode: (mode) => {
      context.settings.creditsMode = mode;
    },
    clearRequests: () => {
      requests.length = 0;
    },
    reset: () => {
      requests.length = 0;
      context.behaviors.reset();
      context.idp.reset();
      context.settings.creditsMode = options.openrouterCreditsMode ?? "legacy";
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Keep-alive and in-flight streams would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
  return fakes;
}
