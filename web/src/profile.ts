// A profile: who it is and where you stand with them (GetRelationship: follow / unfollow / requested, close friend,
// block), their posts (paged), and their followers and following lists. A private account you do not follow shows
// its header and counts and a request to follow instead of its posts and lists; a blocked one, how to unblock it.
import type { User } from "@feedmesh/client/gen/feedmesh/auth/v1/user_pb.js";
import { FollowState } from "@feedmesh/client/gen/feedmesh/graph/v1/graph_service_pb.js";

import { api, explain, loadSession } from "./api";
import { el, show } from "./dom";
import { plural } from "./format";
import { notify } from "./notice";
import { pagedList } from "./paged";
import { postCard } from "./post";
import { followLabel, postsHidden, type Standing } from "./relationship";

const PAGE = 20;
export type ProfileTab = "posts" | "followers" | "following";

export async function profileScreen(main: HTMLElement, userId: bigint, tab: ProfileTab): Promise<void> {
  const me = BigInt(loadSession()?.userId ?? "0");
  let user: User;
  let standing: Standing | undefined;
  try {
    [user, standing] = await Promise.all([
      api.graph.getUser({ userId }),
      userId === me ? Promise.resolve(undefined) : api.graph.getRelationship({ userId }),
    ]);
  } catch (error) {
    show(main, el("p", { class: "error" }, explain(error)));
    return;
  }
  const body = el("section", { class: "profile-body", "data-tab": tab });
  const header = el("header", { class: "profile", "data-user-id": userId.toString() });
  const tabs = el("nav", { class: "tabs", "aria-label": "Profile sections" });
  show(main, header, tabs, body);

  const paint = () => {
    const hidden = standing && postsHidden(standing);
    show(
      header,
      el("h1", {}, user.displayName || user.handle),
      el(
        "p",
        { class: "handle" },
        `@${user.handle}`,
        user.private ? " · private account" : "",
        standing?.followedBy ? el("span", { class: "chip" }, "Follows you") : null,
      ),
      standing ? el("div", { class: "profile-actions" }, ...actions(userId, standing, changed)) : el("p", {}, "This is you."),
    );
    const counts: [ProfileTab, string][] = [
      ["posts", "Posts"],
      ["followers", plural(user.followerCount, "follower")],
      ["following", `${user.followingCount} following`],
    ];
    // the counts are public; the lists behind them are not, when the posts are not
    show(
      tabs,
      ...counts.map(([name, label]) =>
        hidden && name !== "posts"
          ? el("span", { class: "count" }, label)
          : el("a", { href: `#/u/${userId}/${name}`, "aria-current": name === tab ? "page" : undefined }, label),
      ),
    );
    if (hidden) {
      body.dataset.state = "hidden";
      show(body, el("div", { class: "private-wall", role: "status" }, el("h2", {}, "Nothing to see here yet"), el("p", {}, hidden)));
      return;
    }
    body.dataset.state = "";
    if (tab === "posts")
      pagedList(body, async (cursor) => {
        const page = await api.posts.listUserPosts({ userId, cursor, limit: PAGE });
        return { nodes: page.posts.map((post) => postCard(post, user)), next: page.nextCursor };
      }, "No posts yet.");
    else {
      const list = tab === "followers" ? api.graph.listFollowers.bind(api.graph) : api.graph.listFollowing.bind(api.graph);
      pagedList(body, async (cursor) => {
        const page = await list({ userId, cursor, limit: PAGE });
        return { nodes: page.users.map(personRow), next: page.nextCursor };
      }, "No one yet.");
    }
  };
  // after a change: the state as the service now has it, and the counts it moved
  const changed = async () => {
    try {
      [user, standing] = await Promise.all([api.graph.getUser({ userId }), api.graph.getRelationship({ userId })]);
    } catch (error) {
      notify(explain(error), "error");
    }
    paint();
  };
  paint();
}

export function personRow(u: User): HTMLElement {
  return el("p", { class: "person" }, el("a", { href: `#/u/${u.id}` }, `${u.displayName || u.handle} @${u.handle}`));
}

/** The buttons of a profile that is not yours, each from the standing and each followed by a fresh read of it. */
function actions(userId: bigint, s: Standing, changed: () => Promise<void>): HTMLElement[] {
  const button = (label: string, pressed: boolean, act: () => Promise<unknown>, ask = "", cls = "secondary") => {
    const node = el("button", { type: "button", class: cls, "aria-pressed": String(pressed) }, label);
    node.onclick = async () => {
      if (ask && !window.confirm(ask)) return;
      node.disabled = true;
      try {
        const reply = await act();
        if (reply && typeof reply === "object" && "state" in reply && reply.state === FollowState.REQUESTED)
          notify("Request sent: they see it among their notifications.");
        await changed();
      } catch (error) {
        notify(explain(error), "error");
        node.disabled = false;
      }
    };
    return node;
  };
  if (s.blocking)
    return [button("Unblock", true, () => api.graph.unblockUser({ userId }), "", "unblock")];
  return [
    button(
      followLabel(s),
      s.following || s.requested,
      () => (s.following || s.requested ? api.graph.unfollowUser({ userId }) : api.graph.followUser({ userId })),
      "",
      "follow",
    ),
    button(
      s.closeFriend ? "Remove from close friends" : "Add to close friends",
      s.closeFriend,
      () => (s.closeFriend ? api.graph.removeCloseFriend({ userId }) : api.graph.addCloseFriend({ userId })),
    ),
    button(
      "Block",
      false,
      () => api.graph.blockUser({ userId }),
      "Block this account? You stop following each other and neither sees the other's posts.",
    ),
  ];
}
