// The browser entry point: gRPC-Web over fetch. The page's origin must be one of the gateway's
// FEEDMESH_CORS_ORIGINS (stack/defaults.env).
import { createGrpcWebTransport } from "@connectrpc/connect-web";

import { DEFAULT_GATEWAY_URL, FeedmeshClient } from "./index.js";

export * from "./index.js";

/** A client of the gateway at baseUrl ("http://127.0.0.1:8080" when `make up` runs it on this machine). */
export function connectWeb(baseUrl: string = DEFAULT_GATEWAY_URL): FeedmeshClient {
  return new FeedmeshClient((interceptors) => createGrpcWebTransport({ baseUrl, interceptors }));
}
