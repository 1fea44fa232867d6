// The client against the running gateway (`make up`), through its gRPC-Web filter: two people sign up and log in,
// one follows the other, who posts, and the post shows in the follower's home feed; and what a browser's preflight
// needs for gRPC-Web. With no gateway listening the tests are skipped, unless FEEDMESH_CLIENTS_REQUIRE_GATEWAY=1
// (tests/e2e/test_clients.py sets it: in `make test` the stack is up).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { before, test } from "node:test";

import { Code, ConnectError, errorReason, type FeedmeshClient } from "../src/index.js";
import { connectNode } from "../src/node.js";
import { FollowState } from "../src/gen/feedmesh/graph/v1/graph_service_pb.js";
import type { CreateSessionResponse } from "../src/gen/feedmesh/auth/v1/auth_service_pb.js";
import type { FeedItem } from "../src/gen/feedmesh/timeline/v1/timeline_service_pb.js";

const PASSWORD = "correct horse battery";
// far above the feed's freshness target: a post not there by then is lost
const DELIVERY_WITHIN_MS = 15_000;
// the gateway's public budget (register, log in) is 30 a minute per address and refills each minute
const PUBLIC_BUDGET_WAIT_MS = 65_000;
const POLL_EVERY_MS = 100;
const BROWSER_ORIGIN = "http://localhost:3000"; // one of FEEDMESH_CORS_ORIGINS in stack/defaults.env

const gatewayUrl =
  process.env.FEEDMESH_GATEWAY_URL ?? `http://127.0.0.1:${process.env.FEEDMESH_GATEWAY_PORT ?? "8080"}`;

/** Whether something listens at the URL's host and port (a TCP connect within 2 s). */
function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 80), timeout: 2000 });
    const answer = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.once("connect", () => answer(true));
    socket.once("error", () => answer(false));
    socket.once("timeout", () => answer(false));
  });
}

let skip: string | false = false;
before(async () => {
  if (await reachable(gatewayUrl)) return;
  if (process.env.FEEDMESH_CLIENTS_REQUIRE_GATEWAY === "1") throw new Error(`no gateway at ${gatewayUrl}`);
  skip = `no gateway at ${gatewayUrl} (start the stack with \`make up\`, or set FEEDMESH_GATEWAY_URL)`;
});

/** Calls attempt until it succeeds, throws an error retry refuses, or withinMs passes (then the last error). */
async function eventually<T>(withinMs: number, retry: (error: unknown) => boolean, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!retry(error) || Date.now() >= deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
}

const overBudget = (error: unknown) => ConnectError.from(error).code === Code.ResourceExhausted;

async function signUpAndLogin(): Promise<[FeedmeshClient, CreateSessionResponse]> {
  const client = connectNode(gatewayUrl);
  const handle = `ts_${randomBytes(6).toString("hex")}`;
  const user = await eventually(PUBLIC_BUDGET_WAIT_MS, overBudget, () => client.signUp(handle, PASSWORD, `TS ${handle}`));
  assert.equal(user.handle, handle);
  const session = await eventually(PUBLIC_BUDGET_WAIT_MS, overBudget, () => client.login(handle, PASSWORD));
  assert.equal(session.userId, user.id);
  assert.ok(session.accessToken);
  return [client, session];
}

test("two people follow, post and read the feed through gRPC-Web", async (t) => {
  if (skip) return t.skip(skip);
  const [reader, readerSession] = await signUpAndLogin();
  const [author, authorSession] = await signUpAndLogin();

  assert.equal((await reader.graph.getCurrentUser({})).id, readerSession.userId);
  const follow = await reader.graph.followUser({ userId: authorSession.userId });
  assert.equal(follow.state, FollowState.FOLLOWING);
  const post = await author.posts.createPost({ text: "hello from the TypeScript client" });

  const notYet = new Error("the post is not in the feed yet");
  const item: FeedItem = await eventually(DELIVERY_WITHIN_MS, (error) => error === notYet, async () => {
    const feed = await reader.timeline.getFeed({ mode: "chronological", limit: 20 });
    const found = feed.items.find((candidate) => candidate.post?.id === post.id);
    if (!found) throw notYet;
    return found;
  });
  assert.equal(item.post?.text, "hello from the TypeScript client");
  assert.equal(item.author?.id, authorSession.userId);
});

test("errors carry their code, and the service's reason; internal services are refused", async (t) => {
  if (skip) return t.skip(skip);
  const anonymous = connectNode(gatewayUrl);
  await assert.rejects(anonymous.timeline.getFeed({}), (error) => ConnectError.from(error).code === Code.Unauthenticated);
  const [client, session] = await signUpAndLogin();
  await assert.rejects(client.graph.followUser({ userId: session.userId }), (error) => {
    assert.equal(ConnectError.from(error).code, Code.InvalidArgument);
    assert.equal(errorReason(error), "SELF_RELATIONSHIP");
    return true;
  });
  // the internal services (feedmesh.<svc>.internal.v1) are not in this client, and the gateway refuses them
  const internal = await fetch(`${gatewayUrl}/feedmesh.post.internal.v1.PostInternalService/BatchGetPosts`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${session.accessToken}`,
      "content-type": "application/grpc-web+proto",
      "x-grpc-web": "1",
    },
    body: new Uint8Array([0, 0, 0, 0, 0]),
  });
  assert.equal(internal.status, 200);
  assert.equal(internal.headers.get("grpc-status"), String(Code.Unimplemented));
});

test("a browser page on an allowed origin may call the gateway with gRPC-Web", async (t) => {
  if (skip) return t.skip(skip);
  // the headers connect-web sends on a gRPC-Web call, and those a page must read from the answer
  const preflight = await fetch(`${gatewayUrl}/feedmesh.timeline.v1.TimelineService/GetFeed`, {
    method: "OPTIONS",
    headers: {
      origin: BROWSER_ORIGIN,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type,grpc-timeout,x-grpc-web,x-user-agent",
    },
  });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get("access-control-allow-origin"), BROWSER_ORIGIN);
  const allowed = (preflight.headers.get("access-control-allow-headers") ?? "").split(/\s*,\s*/);
  for (const header of ["authorization", "content-type", "grpc-timeout", "x-grpc-web", "x-user-agent"]) {
    assert.ok(allowed.includes(header), `${header} not in access-control-allow-headers: ${allowed}`);
  }
  // a gRPC-Web call from that origin: the answer names the origin and exposes the gRPC status headers
  const call = await fetch(`${gatewayUrl}/feedmesh.timeline.v1.TimelineService/GetFeed`, {
    method: "POST",
    headers: { origin: BROWSER_ORIGIN, "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
    body: new Uint8Array([0, 0, 0, 0, 0]),
  });
  assert.equal(call.headers.get("access-control-allow-origin"), BROWSER_ORIGIN);
  assert.equal(call.headers.get("grpc-status"), String(Code.Unauthenticated));
  const exposed = (call.headers.get("access-control-expose-headers") ?? "").split(/\s*,\s*/);
  for (const header of ["grpc-status", "grpc-message", "grpc-status-details-bin"]) {
    assert.ok(exposed.includes(header), `${header} not in access-control-expose-headers: ${exposed}`);
  }
});
