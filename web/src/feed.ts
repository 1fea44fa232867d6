// The home feed: a page at a time through the API's cursors as you scroll (or press "Load more"), ranked or latest,
// a marker when ranking fell back to time order, and a "N new posts" pill from a poll instead of a jumping list.
import type { FeedItem } from "@feedmesh/client/gen/feedmesh/timeline/v1/timeline_service_pb.js";

import { api, explain, loadSession } from "./api";
import { composer } from "./compose";
import { el, show } from "./dom";
import { plural } from "./format";
import { postCard } from "./post";

const PAGE = 20;
type Mode = "ranked" | "chronological";

export function feedScreen(main: HTMLElement, pollSeconds: number): () => void {
  let mode: Mode = (sessionStorage.getItem("feedmesh.mode") as Mode | null) ?? "ranked";
  let cursor = "";
  let loading = false;
  let done = false;
  let newest = 0n; // the largest post id shown: later posts count towards the pill
  let seen = new Set<string>();
  const list = el("div", { class: "feed", "aria-live": "polite", "data-state": "loading" });
  const status = el("p", { class: "feed-status" });
  const more = el("button", { type: "button", class: "load-more" }, "Load more");
  const pill = el("button", { type: "button", class: "pill", hidden: true });
  const degraded = el("p", { class: "degraded", hidden: true }, "Ranking is unavailable right now: newest first.");
  const toggle = el(
    "div",
    { class: "mode", role: "group", "aria-label": "Feed order" },
    ...(["ranked", "chronological"] as Mode[]).map((value) => {
      const button = el("button", { type: "button", "data-mode": value }, value === "ranked" ? "For you" : "Latest");
      button.onclick = () => {
        mode = value;
        sessionStorage.setItem("feedmesh.mode", mode);
        void reload();
      };
      return button;
    }),
  );

  const paintToggle = () =>
    toggle.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.mode === mode)));

  const append = (items: FeedItem[]) => {
    for (const item of items) {
      if (!item.post || seen.has(item.post.id.toString())) continue;
      seen.add(item.post.id.toString());
      if (item.post.id > newest) newest = item.post.id;
      list.append(postCard(item.post, item.author, item.likedByMe));
    }
  };

  const loadPage = async () => {
    if (loading || done) return;
    loading = true;
    more.disabled = true;
    try {
      const page = await api.timeline.getFeed({ mode, cursor, limit: PAGE });
      append(page.items);
      degraded.hidden = !page.degraded;
      cursor = page.nextCursor;
      done = !cursor;
      list.dataset.state = "ready";
      list.dataset.count = String(seen.size);
      if (!document.body.dataset.firstFeedMs) document.body.dataset.firstFeedMs = performance.now().toFixed(0);
      show(status, seen.size === 0 ? emptyFeed() : done ? "You are all caught up." : "");
    } catch (error) {
      list.dataset.state = "error";
      show(status, explain(error));
    } finally {
      loading = false;
      more.disabled = false;
      more.hidden = done;
    }
  };

  const reload = async () => {
    cursor = "";
    done = false;
    newest = 0n;
    seen = new Set();
    pill.hidden = true;
    list.replaceChildren();
    list.dataset.state = "loading";
    paintToggle();
    await loadPage();
  };

  // posts newer than the newest shown, from the first page of the time-ordered feed
  const poll = async () => {
    if (document.hidden || loading) return;
    try {
      const page = await api.timeline.getFeed({ mode: "chronological", limit: PAGE });
      const fresh = page.items.filter((item) => item.post && item.post.id > newest).length;
      pill.hidden = fresh === 0;
      pill.textContent = `${plural(fresh, "new post")}${fresh === PAGE ? "+" : ""}`;
    } catch {
      // a missed poll is retried at the next tick
    }
  };
  pill.onclick = () => {
    window.scrollTo({ top: 0 });
    void reload();
  };
  more.onclick = () => void loadPage();

  const sentinel = el("div", { class: "sentinel", "aria-hidden": "true" });
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) void loadPage();
  });
  observer.observe(sentinel);
  const timer = window.setInterval(() => void poll(), pollSeconds * 1000);

  show(
    main,
    el("h1", { class: "visually-hidden" }, "Home"),
    composer(() => void reload()),
    el("div", { class: "feed-bar" }, toggle, pill),
    degraded,
    list,
    status,
    more,
    sentinel,
  );
  void reload();
  return () => {
    observer.disconnect();
    clearInterval(timer);
  };
}

function emptyFeed(): HTMLElement {
  const input = el("input", { type: "search", pattern: "@?[A-Za-z0-9_]{1,30}", required: true, "aria-label": "Handle to find" });
  const form = el("form", { class: "find", role: "search" }, input, el("button", { type: "submit" }, "Find people"));
  form.onsubmit = (event) => {
    event.preventDefault();
    if (input.value.trim()) location.hash = `#/search?q=${encodeURIComponent(input.value.trim())}`;
  };
  const suggestions = el("ul", { class: "suggestions", "aria-label": "People who follow you" });
  const me = loadSession()?.userId;
  if (me) {
    // the accounts that already follow you are the likeliest to follow back
    api.graph
      .listFollowers({ userId: BigInt(me), limit: 5 })
      .then((reply) =>
        suggestions.append(
          ...reply.users.map((user) =>
            el("li", {}, el("a", { href: `#/u/${user.id}` }, `${user.displayName || user.handle} @${user.handle}`), " follows you"),
          ),
        ),
      )
      .catch(() => undefined);
  }
  return el(
    "div",
    { class: "empty" },
    el("p", {}, "Your feed is empty. Follow people to see their posts here: find them by their handle."),
    suggestions,
    form,
  );
}

