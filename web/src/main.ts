// The app's shell: the navigation, and the screen of the URL's hash (#/, #/u/<id>[/followers|/following],
// #/p/<id>, #/notifications[/grouped], #/search[?q=<prefix>]; #/login without a session). Hash routes keep the gateway serving one page at /.
import "./style.css";

import { api, explain, loadSession, logOut, whenSessionEnds } from "./api";
import { el, show } from "./dom";
import { feedScreen } from "./feed";
import { loginScreen } from "./login";
import { notificationsScreen, unreadBadge } from "./notifications";
import { postCard } from "./post";
import { profileScreen, type ProfileTab } from "./profile";
import { searchScreen } from "./search";

// ?poll=SECONDS: how often the new-posts pill and the unread badge ask (the browser test shortens it)
const POLL_SECONDS = Math.max(1, Number(new URLSearchParams(location.search).get("poll")) || 15);

const nav = document.getElementById("nav")!;
const main = document.getElementById("main")!;
let leaveScreen: () => void = () => {};
let stopBadge: (() => void) | undefined;
let refreshBadge: () => void = () => {};

function navigation(): void {
  const session = loadSession();
  stopBadge?.();
  if (!session) {
    show(nav);
    stopBadge = undefined;
    return;
  }
  const badge = el("span", { class: "badge", hidden: true });
  const logout = el("button", { type: "button", class: "logout" }, "Log out");
  logout.onclick = () => {
    logOut();
    location.hash = "#/login";
  };
  show(
    nav,
    el(
      "nav",
      { "aria-label": "Main" },
      el("a", { href: "#/", class: "brand" }, "feedmesh"),
      el("a", { href: "#/" }, "Home"),
      el("a", { href: `#/u/${session.userId}`, class: "me" }, "Profile"),
      el("a", { href: "#/search", class: "search-link" }, "Search"),
      el("a", { href: "#/notifications", class: "notifications-link" }, "Notifications ", badge),
      logout,
    ),
  );
  [stopBadge, refreshBadge] = unreadBadge(badge, POLL_SECONDS);
}

async function route(): Promise<void> {
  leaveScreen();
  leaveScreen = () => {};
  const session = loadSession();
  const path = location.hash.replace(/^#/, "") || "/";
  document.body.dataset.screen = "";
  if (!session) {
    navigation();
    document.body.dataset.screen = "login";
    document.body.dataset.state = "ready";
    loginScreen(main, () => {
      location.hash = "#/";
      navigation();
      void route();
    });
    return;
  }
  if (!nav.hasChildNodes()) navigation();
  const profile = path.match(/^\/u\/(\d+)(?:\/(followers|following))?$/);
  const post = path.match(/^\/p\/(\d+)$/);
  const search = path.match(/^\/search(?:\?q=(.*))?$/);
  if (profile) {
    document.body.dataset.screen = "profile";
    await profileScreen(main, BigInt(profile[1]), (profile[2] as ProfileTab | undefined) ?? "posts");
  } else if (post) {
    document.body.dataset.screen = "post";
    try {
      const found = await api.posts.getPost({ postId: BigInt(post[1]) });
      const author = await api.graph.getUser({ userId: found.authorId }).catch(() => undefined);
      show(main, postCard(found, author));
    } catch (error) {
      show(main, el("p", { class: "error" }, explain(error)));
    }
  } else if (search) {
    document.body.dataset.screen = "search";
    searchScreen(main, decodeURIComponent(search[1] ?? ""));
  } else if (path === "/notifications" || path === "/notifications/grouped") {
    document.body.dataset.screen = "notifications";
    notificationsScreen(main, () => refreshBadge(), path.endsWith("/grouped"));
  } else {
    document.body.dataset.screen = "feed";
    leaveScreen = feedScreen(main, POLL_SECONDS);
  }
  document.body.dataset.state = "ready";
}

whenSessionEnds(() => {
  location.hash = "#/login";
  void route();
});
window.addEventListener("hashchange", () => void route());
void route();
