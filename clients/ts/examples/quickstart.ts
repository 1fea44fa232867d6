// Quickstart: two new accounts through the gateway; one follows the other, who posts; the follower reads the feed.
//
//   npm run build && node dist/examples/quickstart.js [http://127.0.0.1:8080]
import { randomBytes } from "node:crypto";

import { connectNode, errorReason, type FeedmeshClient } from "../src/node.js";
import { FollowState } from "../src/gen/feedmesh/graph/v1/graph_service_pb.js";

const gatewayUrl = process.argv[2] ?? "http://127.0.0.1:8080";
const password = "correct horse battery";

async function signUpAndLogin(name: string): Promise<[FeedmeshClient, bigint]> {
  const client = connectNode(gatewayUrl);
  const handle = `${name}_${randomBytes(4).toString("hex")}`;
  await client.signUp(handle, password, name);
  const session = await client.login(handle, password); // the client keeps the token for its later calls
  console.log(`${handle} signed up and logged in as user ${session.userId}`);
  return [client, session.userId];
}

async function main(): Promise<void> {
  // 1. Sign up and log in: each person has their own client.
  const [alice] = await signUpAndLogin("alice");
  const [bob, bobId] = await signUpAndLogin("bob");

  // 2. Alice follows Bob.
  const follow = await alice.graph.followUser({ userId: bobId });
  console.log(`alice follows bob: ${FollowState[follow.state]}`);

  // 3. Bob posts.
  const post = await bob.posts.createPost({ text: "hello from TypeScript" });
  console.log(`bob posted ${post.id}`);

  // 4. Alice reads her feed. Delivery is asynchronous (well under a second), so ask again until the post is there.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const feed = await alice.timeline.getFeed({ mode: "chronological", limit: 20 });
    const item = feed.items.find((candidate) => candidate.post?.id === post.id);
    if (item) {
      console.log(`alice's feed: @${item.author?.handle}: ${item.post?.text}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("the post did not reach the feed in time");
}

main().catch((error: unknown) => {
  // the reason names the rule that refused the call, e.g. HANDLE_TAKEN, SELF_RELATIONSHIP
  console.error(`${error} (reason ${errorReason(error)})`);
  process.exitCode = 1;
});
