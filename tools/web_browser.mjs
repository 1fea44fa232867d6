// Drives the web app (web/, served by the gateway at /) in headless Chromium (Debian's `chromium`, npm
// `playwright-core`: `make browser`) as two people, alice and bob, on a phone-sized screen: both sign up; bob follows
// alice and a third account (--paging-author, who has more than a page of posts); alice posts with an image and a
// mention of bob; bob sees it, likes it and comments on it, pages his feed to its end; each sees the other's
// notifications; alice marks hers read, adds bob to her close friends and logs out; a refused token sends bob back to the login screen. Prints
// what it saw as JSON on stdout; with --shots DIR saves a screenshot of each screen there. Used by
// tests/e2e/test_web.py and `make web-shots`, through gateway/web_browser.py.
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
  page.on("console", (msg) => msg.type() === "error" && report.console_errors.push(`${name}: ${msg.text()}`));
  page.on("pageerror", (err) => report.console_errors.push(`${name}: ${err}`));
  return page;
}

async function shot(page, name) {
  if (args.shots) await page.screenshot({ path: `${args.shots}/${name}.png`, fullPage: false });
}

async function signUp(page, handle) {
  await page.goto(new URL("/?poll=2#/", args.url).href);
  await page.waitForSelector("body[data-screen=login]");
  await shot(page, "login");
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Display name").fill(handle.split("_")[0]);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForSelector("body[data-screen=feed] .feed[data-state=ready]", { state: "attached" });
  return (await page.getAttribute("a.me", "href")).replace("#/u/", "");
}

async function follow(page, userId) {
  await page.goto(new URL(`/?poll=2#/u/${userId}`, args.url).href);
  await page.getByRole("button", { name: "Follow", exact: true }).click();
  await page.getByRole("button", { name: "Unfollow" }).waitFor();
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
const aliceHandle = `alice_${suffix}`;
const bobHandle = `bob_${suffix}`;
const text = `hello from alice, @${bobHandle}`;
let card;
report.post_text = text;
try {
  await phase("sign up", async () => {
    report.alice_id = await signUp(alice, aliceHandle);
    report.bob_id = await signUp(bob, bobHandle);
    report.empty_feed = (await bob.locator(".feed-status").textContent()).trim();
  });
  if (report.errors.length) throw new Error("no accounts: the story stops here");

  await phase("bob follows alice and the paging author", async () => {
    await follow(bob, report.alice_id);
    await follow(bob, args["paging-author"]);
  });

  await phase("alice posts with an image", async () => {
    await alice.goto(new URL("/?poll=2#/", args.url).href);
    // the mention completed from the handles alice knows (bob follows her)
    await alice.getByLabel("New post").pressSequentially(`hello from alice, @${bobHandle.slice(0, 3)}`);
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

  await phase("alice adds bob to her close friends", async () => {
    await alice.goto(new URL(`/?poll=2#/u/${report.bob_id}`, args.url).href);
    await alice.getByRole("button", { name: "Add to close friends" }).click();
    await alice.getByRole("button", { name: "Remove from close friends" }).waitFor();
    report.close_friend = true;
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
