// Drives the web app (web/, served by the gateway at /) in headless Chromium (Debian's `chromium`, npm
// `playwright-core`: `make browser`) as alice, bob and carol (private), on a phone-sized screen: they sign up; bob
// follows alice and a third account (--paging-author, who has more than a page of posts); alice posts with an image
// and a mention of bob completed by handle search; bob sees it, likes it (alice's unread badge moves while her page
// stays open, through the notification stream) and comments on it, finds it liked on its own screen, pages his feed
// to its end, finds alice with the people search; each sees the other's notifications; alice marks hers read, asks
// to follow carol (the private account's wall, then carol approves), adds bob to her close friends, blocks and
// unblocks him (the state read back after a reload) and logs out; bob's badge falls back to polling while his stream
// is refused and goes back to the stream; a refused token sends bob back to the login screen. Prints what it saw as
// JSON on stdout; with --shots DIR saves a screenshot of each screen there. Used by tests/e2e/test_web.py and
// `make web-shots`, through gateway/web_browser.py.
//
//   node tools/web_browser.mjs --url URL --modules NODE_MODULES_DIR --paging-author USER_ID [--shots DIR]
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    modules: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    "paging-author": { type: "string" },
    shots: { type: "string" },
    timeout: { type: "string", default: "30" },
  },
});
if (!args.url || !args.modules || !args["paging-author"]) {
  console.error("usage: web_browser.mjs --url URL --modules NODE_MODULES_DIR --paging-author USER_ID [--shots DIR]");
  process.exit(2);
}
const { chromium } = createRequire(`${args.modules}/`)("playwright-core");
const timeout = Number(args.timeout) * 1000;
const suffix = Math.random().toString(16).slice(2, 10);
const PASSWORD = "correct horse battery";
// a 2x2 PNG: the image alice attaches
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);
const report = { console_errors: [], steps: [], errors: [] };
// while bob's stream is refused on purpose, Chromium logs each refused request: those are expected
let refusingStream = false;

/** Runs one part of the story; a failure is reported and the story goes on, so that one run shows every problem. */
async function phase(name, body) {
  try {
    await body();
    report.steps.push(name);
  } catch (error) {
    report.errors.push(`${name}: ${String(error.message ?? error).split("\n").slice(0, 4).join(" ")}`);
  }
}

// --no-sandbox: Chromium refuses its sandbox when run as root, as it is in this stack's machines
const browser = await chromium.launch({ executablePath: args.chromium, args: ["--no-sandbox"] });

async function person(name) {
  const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    if (refusingStream && msg.text().includes("net::ERR_FAILED")) return;
    report.console_errors.push(`${name}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => report.console_errors.push(`${name}: ${err}`));
  return page;
}

async function shot(page, name) {
  if (args.shots) await page.screenshot({ path: `${args.shots}/${name}.png`, fullPage: false });
}

async function signUp(page, handle, { isPrivate = false } = {}) {
  await page.goto(new URL("/?poll=2#/", args.url).href);
  await page.waitForSelector("body[data-screen=login]");
  await shot(page, "login");
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Display name").fill(handle.split("_")[0]);
  if (isPrivate) await page.getByLabel("Private account").check();
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForSelector("body[data-screen=feed] .feed[data-state=ready]", { state: "attached" });
  return (await page.getAttribute("a.me", "href")).replace("#/u/", "");
}

async function follow(page, userId) {
  await page.goto(new URL(`/?poll=2#/u/${userId}`, args.url).href);
  await page.getByRole("button", { name: "Follow", exact: true }).click();
  await page.getByRole("button", { name: "Unfollow" }).waitFor();
}

/** The number on the unread badge (0 when hidden). */
async function badgeCount(page) {
  const badge = page.locator(".badge");
  return (await badge.isHidden()) ? 0 : Number(await badge.textContent());
}

/** Waits (in the page, up to `timeout` ms) until the unread badge shows more than `count`; throws `failure` if not. */
async function badgeAbove(page, count, timeout, failure) {
  const shown = (n) => {
    const badge = document.querySelector(".badge");
    const visible = badge && (badge.offsetWidth || badge.offsetHeight || badge.getClientRects().length);
    return (visible ? Number(badge.textContent) : 0) > n;
  };
  await page.waitForFunction(shown, count, { timeout }).catch(async () => {
    throw new Error(`${failure} (badge at ${await badgeCount(page)})`);
  });
}

/** The post of this text in the feed: read again (the "new posts" pill) until it arrives. */
async function findPost(page, text) {
  const card = page.locator("article.post", { hasText: text });
  const deadline = Date.now() + timeout;
  while ((await card.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`the post "${text}" never reached the feed`);
    const pill = page.locator("button.pill:not([hidden])");
    await Promise.race([pill.waitFor({ timeout: 3000 }).catch(() => {}), card.waitFor({ timeout: 3000 }).catch(() => {})]);
    if ((await card.count()) === 0 && (await pill.count()) > 0) await pill.click();
  }
  return card.first();
}

const alice = await person("alice");
const bob = await person("bob");
const carol = await person("carol");
const aliceHandle = `alice_${suffix}`;
const bobHandle = `bob_${suffix}`;
const carolHandle = `carol_${suffix}`;
const text = `hello from alice, @${bobHandle}`;
let card;
report.post_text = text;
try {
  await phase("sign up", async () => {
    report.alice_id = await signUp(alice, aliceHandle);
    report.bob_id = await signUp(bob, bobHandle);
    report.carol_id = await signUp(carol, carolHandle, { isPrivate: true });
    report.empty_feed = (await bob.locator(".feed-status").textContent()).trim();
  });
  if (report.errors.length) throw new Error("no accounts: the story stops here");

  await phase("bob follows alice and the paging author", async () => {
    await follow(bob, report.alice_id);
    await follow(bob, args["paging-author"]);
  });

  await phase("alice posts with an image", async () => {
    await alice.goto(new URL("/?poll=2#/", args.url).href);
    // the mention completed by handle search: enough of bob's handle to be among the first five found
    await alice.getByLabel("New post").pressSequentially(`hello from alice, @${bobHandle.slice(0, 8).toUpperCase()}`);
    await alice.getByRole("button", { name: `@${bobHandle}` }).click();
    report.completed_text = await alice.getByLabel("New post").inputValue();
    report.count_text = await alice.locator("#compose-count").textContent();
    await alice.getByLabel("Image").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: PNG });
    await alice.locator("img.preview:not([hidden])").waitFor();
    await shot(alice, "compose");
    await alice.getByRole("button", { name: "Post", exact: true }).click();
    await alice.locator("#notice", { hasText: "Posted." }).waitFor();
  });

  await phase("bob sees the post and its image", async () => {
    await bob.goto(new URL("/?poll=2#/", args.url).href);
    await bob.getByRole("button", { name: "Latest" }).click();
    card = await findPost(bob, text);
    const image = card.locator("img.media");
    await image.scrollIntoViewIfNeeded();
    await bob.waitForFunction((img) => img.complete, await image.elementHandle());
    report.image_width = await image.evaluate((img) => img.naturalWidth);
  });

  await phase("bob likes, comments on and shares the post", async () => {
    // alice's page stays open from her post on: her badge must move without a reload, through the stream
    await alice.evaluate(() => (window.stillThisPage = true));
    report.alice_live_before = await alice.getAttribute("body", "data-live");
    const messagesBefore = Number(await alice.getAttribute("body", "data-live-messages"));
    const badgeBefore = await badgeCount(alice);
    report.post_id = await card.getAttribute("data-post-id");
    const like = card.locator("button.like");
    await like.click();
    await card.locator("button.like[aria-pressed=true]:not([disabled])").waitFor();
    report.like_text = (await like.textContent()).trim();
    await card.locator("button.comments-toggle").click();
    await card.getByLabel("Write a comment").fill("nice one");
    await card.getByRole("button", { name: "Comment", exact: true }).click();
    await card.locator(".comment-list li", { hasText: "nice one" }).waitFor();
    await card.locator("button.share").click();
    await card.locator("button.share", { hasText: "Share · 1" }).waitFor();
    await shot(bob, "post");
    await badgeAbove(alice, badgeBefore + 1, timeout, "alice's badge did not move");
    report.alice_badge_live = { before: badgeBefore, after: await badgeCount(alice) };
    report.alice_live_after = await alice.getAttribute("body", "data-live");
    report.alice_live_messages = Number(await alice.getAttribute("body", "data-live-messages")) - messagesBefore;
    report.alice_same_page = await alice.evaluate(() => window.stillThisPage === true);
  });

  await phase("bob pages his feed to its end", async () => {
    const feed = bob.locator(".feed");
    report.first_page = Number(await feed.getAttribute("data-count"));
    const deadline = Date.now() + timeout;
    while (await bob.locator("button.load-more:not([hidden])").count()) {
      if (Date.now() > deadline) throw new Error("the feed never reached its end");
      const before = Number(await feed.getAttribute("data-count"));
      await bob.locator(".sentinel").scrollIntoViewIfNeeded();
      await bob.waitForFunction(
        (n) => Number(document.querySelector(".feed").dataset.count) > n || document.querySelector("button.load-more").hidden,
        before,
      );
    }
    const ids = await bob.locator("article.post").evaluateAll((cards) => cards.map((c) => c.dataset.postId));
    report.feed_posts = ids.length;
    report.feed_unique = new Set(ids).size;
    report.feed_end = (await bob.locator(".feed-status").textContent()).trim();
  });

  await phase("first feed page on a reload", async () => {
    await bob.reload();
    await bob.waitForSelector("body[data-first-feed-ms]", { state: "attached" });
    report.first_feed_ms = Number(await bob.getAttribute("body", "data-first-feed-ms"));
    await bob.locator("article.post").first().waitFor();
    await shot(bob, "feed");
  });

  await phase("bob's like on the post's own screen", async () => {
    const postId = report.post_id;
    await bob.goto(new URL(`/?poll=2#/p/${postId}`, args.url).href);
    // the post's screen holds the one card, straight under <main> (the feed's cards are in its list)
    const like = bob.locator(`#main > article.post[data-post-id="${postId}"] button.like`);
    await like.waitFor();
    report.single_post_like = { pressed: await like.getAttribute("aria-pressed"), text: (await like.textContent()).trim() };
  });

  await phase("bob finds alice with the people search", async () => {
    await bob.getByRole("link", { name: "Search" }).click();
    await bob.getByLabel("Search people").fill(aliceHandle.slice(0, 12));
    const found = bob.locator(".search-results .person", { hasText: `@${aliceHandle}` });
    await found.waitFor();
    await shot(bob, "search");
    await found.getByRole("link").click();
    await bob.locator(`header.profile[data-user-id="${report.alice_id}"]`).waitFor();
    report.search_to_profile = (await bob.locator("button.follow").textContent()).trim();
  });

  const kinds = async (page, wanted) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      await page.locator(".notifications .list[data-state=ready]").waitFor({ state: "attached" });
      const seen = await page.locator(".notification").evaluateAll((rows) => rows.map((r) => r.dataset.kind));
      if (wanted.every((kind) => seen.includes(kind)) || Date.now() > deadline) return seen;
      await page.waitForTimeout(1000);
      await page.reload();
    }
  };
  await phase("alice sees her notifications and marks them read", async () => {
    await alice.locator(".badge:not([hidden])").waitFor();
    await alice.goto(new URL("/?poll=2#/notifications", args.url).href);
    report.alice_notifications = await kinds(alice, ["FOLLOW", "LIKE", "COMMENT"]);
    await shot(alice, "notifications");
    await alice.getByRole("button", { name: "Mark all read" }).click();
    await alice.waitForFunction(() => document.querySelectorAll(".notification.unread").length === 0);
    await alice.locator(".badge[hidden]").waitFor({ state: "attached" });
    report.alice_badge_after_read = await alice.locator(".badge").isHidden();
    await alice.getByRole("link", { name: "Group by post" }).click();
    await alice.locator(".notifications[data-view=grouped] .list[data-state=ready]").waitFor({ state: "attached" });
    report.alice_groups = await alice.locator(".notification.group").evaluateAll((rows) =>
      rows.map((r) => ({ kind: r.dataset.kind, text: r.textContent, unread: r.classList.contains("unread") })),
    );
  });

  await phase("bob sees alice's mention", async () => {
    await bob.goto(new URL("/?poll=2#/notifications", args.url).href);
    report.bob_notifications = await kinds(bob, ["MENTION"]);
  });

  await phase("alice's profile: her post, bob among her followers", async () => {
    await alice.goto(new URL(`/?poll=2#/u/${report.alice_id}/followers`, args.url).href);
    await alice.locator(".person", { hasText: bobHandle }).waitFor();
    await alice.goto(new URL(`/?poll=2#/u/${report.alice_id}`, args.url).href);
    await alice.locator("article.post", { hasText: text }).waitFor();
    await shot(alice, "profile");
  });

  await phase("alice asks to follow carol, who is private, and carol approves", async () => {
    await alice.goto(new URL(`/?poll=2#/u/${report.carol_id}`, args.url).href);
    const wall = alice.locator(".private-wall");
    await wall.waitFor();
    report.private_wall = (await wall.textContent()).trim();
    report.private_tabs_linked = await alice.locator(".tabs a").count();
    await shot(alice, "private-profile");
    await alice.getByRole("button", { name: "Request to follow" }).click();
    await alice.getByRole("button", { name: "Requested (withdraw)" }).waitFor();
    report.private_wall_requested = (await wall.textContent()).trim();
    await carol.goto(new URL("/?poll=2#/notifications", args.url).href);
    await carol.locator(".follow-requests .person", { hasText: `@${aliceHandle}` }).getByRole("button", { name: "Approve" }).click();
    await carol.locator(".follow-requests", { hasText: "approved" }).waitFor();
    await alice.reload();
    await alice.getByRole("button", { name: "Unfollow" }).waitFor();
    report.private_after_approval = await alice.locator(".private-wall").count();
  });

  await phase("bob's badge polls while his stream is refused, then streams again", async () => {
    await bob.goto(new URL("/?poll=2#/", args.url).href);
    await bob.waitForSelector("body[data-live=stream]", { state: "attached" });
    refusingStream = true;
    const refuse = (route) => route.abort();
    await bob.route("**/feedmesh.notification.v1.NotificationService/StreamNotifications", refuse);
    await bob.reload();
    await bob.waitForSelector("body[data-live=polling]", { state: "attached" });
    const before = await badgeCount(bob);
    await alice.goto(new URL(`/?poll=2#/u/${report.bob_id}`, args.url).href);
    await alice.getByRole("button", { name: "Follow back" }).click(); // bob follows alice; he hears of this
    await alice.getByRole("button", { name: "Unfollow" }).waitFor();
    await badgeAbove(bob, before, timeout, "bob's badge never moved while polling");
    report.bob_polled = await bob.getAttribute("body", "data-live");
    await bob.unroute("**/feedmesh.notification.v1.NotificationService/StreamNotifications", refuse);
    await bob.waitForSelector("body[data-live=stream]", { state: "attached" });
    refusingStream = false;
    report.bob_back_to_stream = true;
  });

  await phase("alice adds bob to her close friends, blocks and unblocks him: the state survives a reload", async () => {
    await alice.goto(new URL(`/?poll=2#/u/${report.bob_id}`, args.url).href);
    await alice.getByRole("button", { name: "Add to close friends" }).click();
    await alice.getByRole("button", { name: "Remove from close friends" }).waitFor();
    report.close_friend = true;
    await alice.reload();
    await alice.getByRole("button", { name: "Remove from close friends" }).waitFor();
    report.close_friend_after_reload = true;
    report.follows_you = (await alice.locator(".profile .chip").textContent()).trim();
    await shot(alice, "relationship");
    alice.once("dialog", (dialog) => dialog.accept());
    await alice.getByRole("button", { name: "Block" }).click();
    await alice.getByRole("button", { name: "Unblock" }).waitFor();
    await alice.reload();
    await alice.getByRole("button", { name: "Unblock" }).waitFor();
    report.blocked_wall = (await alice.locator(".private-wall").textContent()).trim();
    await alice.getByRole("button", { name: "Unblock" }).click();
    await alice.getByRole("button", { name: "Follow", exact: true }).waitFor(); // the block ended the follows
    report.unblocked = true;
  });

  await phase("alice logs out", async () => {
    await alice.getByRole("button", { name: "Log out" }).click();
    await alice.waitForSelector("body[data-screen=login]", { state: "attached" });
    report.logged_out = await alice.evaluate(() => sessionStorage.getItem("feedmesh.session") === null);
  });

  // a token the gateway refuses (expired, or signed by a retired key) ends the session
  await phase("a refused token sends bob back to log in", async () => {
    await bob.evaluate(() => {
      const session = JSON.parse(sessionStorage.getItem("feedmesh.session"));
      sessionStorage.setItem("feedmesh.session", JSON.stringify({ ...session, token: "not.a.token" }));
    });
    await bob.reload();
    await bob.waitForSelector("body[data-screen=login]", { state: "attached" });
    report.refused_token_to_login = await bob.evaluate(() => sessionStorage.getItem("feedmesh.session") === null);
  });
} catch (error) {
  report.errors.push(String(error.message ?? error));
} finally {
  await browser.close();
  console.log(JSON.stringify(report, null, 1));
}
process.exitCode = report.errors.length ? 1 : 0;
