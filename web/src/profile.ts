// A profile: who it is, follow / unfollow, their posts (paged), and their followers and following lists.
import type { User } from "@feedmesh/client/gen/feedmesh/auth/v1/user_pb.js";
import { FollowState } from "@feedmesh/client/gen/feedmesh/graph/v1/graph_service_pb.js";

import { api, explain, loadSession } from "./api";
import { el, show } from "./dom";
import { plural } from "./format";
import { notify } from "./notice";
import { pagedList } from "./paged";
import { postCard } from "./post";

const PAGE = 20;
export type ProfileTab = "posts" | "followers" | "following";

export async function profileScreen(main: HTMLElement, userId: bigint, tab: ProfileTab): Promise<void> {
  const me = BigInt(loadSession()?.userId ?? "0");
  let user: User;
  try {
    user = await api.graph.getUser({ userId });
  } catch (error) {
    show(main, el("p", { class: "error" }, explain(error)));
    return;
  }
  const body = el("section", { class: "profile-body", "data-tab": tab });
  const tabs = el(
    "nav",
    { class: "tabs", "aria-label": "Profile sections" },
    ...(
      [
        ["posts", "Posts"],
        ["followers", plural(user.followerCount, "follower")],
        ["following", `${user.followingCount} following`],
      ] as [ProfileTab, string][]
    ).map(([name, label]) =>
      el("a", { href: `#/u/${userId}/${name}`, "aria-current": name === tab ? "page" : undefined }, label),
    ),
  );
  show(
    main,
    el(
      "header",
      { class: "profile", "data-user-id": userId.toString() },
      el("h1", {}, user.displayName || user.handle),
      el("p", { class: "handle" }, `@${user.handle}`, user.private ? " · private account" : ""),
      userId === me
        ? el("p", {}, "This is you.")
        : el("div", { class: "profile-actions" }, await followButton(userId, me, user.private), ...relationButtons(userId)),
    ),
    tabs,
    body,
  );
  if (tab === "posts") pagedList(body, async (cursor) => {
    const page = await api.posts.listUserPosts({ userId, cursor, limit: PAGE });
    return { nodes: page.posts.map((post) => postCard(post, user, false)), next: page.nextCursor };
  }, user.private && userId !== me ? "This account is private: only its approved followers see its posts." : "No posts yet.");
  else {
    const list = tab === "followers" ? api.graph.listFollowers.bind(api.graph) : api.graph.listFollowing.bind(api.graph);
    pagedList(body, async (cursor) => {
      const page = await list({ userId, cursor, limit: PAGE });
      return {
        nodes: page.users.map((u) => el("p", { class: "person" }, el("a", { href: `#/u/${u.id}` }, `${u.displayName || u.handle} @${u.handle}`))),
        next: page.nextCursor,
      };
    }, "No one yet.");
  }
}

/** Follow / unfollow. Whether the caller follows them comes from the caller's following list (its first 100). */
async function followButton(userId: bigint, me: bigint, isPrivate: boolean): Promise<HTMLElement> {
  let following = false;
  try {
    const mine = await api.graph.listFollowing({ userId: me, limit: 100 });
    following = mine.users.some((u) => u.id === userId);
  } catch {
    // shown as "Follow"; following again is harmless
  }
  const button = el("button", { type: "button", class: "follow" });
  const paint = (label?: string) => {
    button.textContent = label ?? (following ? "Unfollow" : "Follow");
    button.setAttribute("aria-pressed", String(following));
  };
  button.onclick = async () => {
    button.disabled = true;
    try {
      if (following) {
        await api.graph.unfollowUser({ userId });
        following = false;
        paint();
      } else {
        const reply = await api.graph.followUser({ userId });
        following = true;
        paint(isPrivate && reply.state === FollowState.REQUESTED ? "Requested (withdraw)" : undefined);
      }
    } catch (error) {
      notify(explain(error), "error");
    } finally {
      button.disabled = false;
    }
  };
  paint();
  return button;
}

/** Close friends and block: the API tells neither state, so each starts from "not yet" and flips on success. */
function relationButtons(userId: bigint): HTMLElement[] {
  const toggle = (off: string, on: string, turnOn: () => Promise<unknown>, turnOff: () => Promise<unknown>, ask = "") => {
    let state = false;
    const button = el("button", { type: "button", class: "secondary", "aria-pressed": "false" }, off);
    button.onclick = async () => {
      if (!state && ask && !window.confirm(ask)) return;
      button.disabled = true;
      try {
        await (state ? turnOff() : turnOn());
        state = !state;
        button.textContent = state ? on : off;
        button.setAttribute("aria-pressed", String(state));
      } catch (error) {
        notify(explain(error), "error");
      } finally {
        button.disabled = false;
      }
    };
    return button;
  };
  return [
    toggle(
      "Add to close friends",
      "Remove from close friends",
      () => api.graph.addCloseFriend({ userId }),
      () => api.graph.removeCloseFriend({ userId }),
    ),
    toggle(
      "Block",
      "Unblock",
      () => api.graph.blockUser({ userId }),
      () => api.graph.unblockUser({ userId }),
      "Block this account? You stop following each other and neither sees the other's posts.",
    ),
  ];
}
