// The Node entry point: gRPC-Web over HTTP/1.1, the same protocol and gateway path a browser uses.
import { createGrpcWebTransport } from "@connectrpc/connect-node";

import { DEFAULT_GATEWAY_URL, FeedmeshClient } from "./index.js";

export * from "./index.js";

/** A client of the gateway at baseUrl ("http://127.0.0.1:8080" when `make up` runs it on this machine). */
export function connectNode(baseUrl: string = DEFAULT_GATEWAY_URL): FeedmeshClient {
  return new FeedmeshClient((interceptors) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors }));
}
