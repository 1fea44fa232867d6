// Notifications: the list (newest first, paged), mark all read, and the unread badge of the navigation (live:
// live.ts).
import {
  NotificationKind,
  type Notification,
  type NotificationGroup,
} from "@feedmesh/client/gen/feedmesh/notification/v1/notification_service_pb.js";

import { api, explain } from "./api";
import { el, show } from "./dom";
import { ago, fullTime } from "./format";
import { liveUnread } from "./live";
import { notify } from "./notice";
import { actorName, groupSentence, WHAT } from "./notification-text";
import { pagedList } from "./paged";

export function notificationsScreen(main: HTMLElement, refreshBadge: () => void, grouped: boolean): void {
  let newest = 0n;
  const markRead = el("button", { type: "button", class: "mark-read" }, "Mark all read");
  markRead.onclick = async () => {
    if (newest === 0n) return;
    try {
      await api.notifications.markNotificationsRead({ upToId: newest });
      main.querySelectorAll(".notification.unread").forEach((node) => node.classList.remove("unread"));
      refreshBadge();
      notify("All caught up.");
    } catch (error) {
      notify(explain(error), "error");
    }
  };
  const view = el(
    "a",
    { class: "view", href: grouped ? "#/notifications" : "#/notifications/grouped" },
    grouped ? "Show each" : "Group by post",
  );
  const body = el("section", { class: "notifications", "data-view": grouped ? "grouped" : "each" });
  const requests = el("section", { class: "follow-requests", "aria-label": "Follow requests" });
  show(main, el("div", { class: "title-bar" }, el("h1", {}, "Notifications"), view, markRead), requests, body);
  void followRequests(requests);
  refreshBadge();
  pagedList(
    body,
    async (cursor) => {
      const page = await api.notifications.listNotifications({ cursor, limit: 20, grouped });
      for (const n of page.notifications) if (n.id > newest) newest = n.id;
      for (const g of page.groups) if (g.latestId > newest) newest = g.latestId;
      return { nodes: grouped ? page.groups.map(groupRow) : page.notifications.map(row), next: page.nextCursor };
    },
    "Nothing yet: likes, comments, follows and mentions show here.",
  );
}

/** "Ana, Bo and 3 others liked your post". */
function groupRow(g: NotificationGroup): HTMLElement {
  return el(
    "article",
    { class: `notification group${g.read ? "" : " unread"}`, "data-kind": NotificationKind[g.kind] },
    groupSentence(g.kind, g.actors, g.actorCount),
    " ",
    g.postId ? el("a", { href: `#/p/${g.postId}` }, "(see post)") : null,
    " ",
    el("time", { title: fullTime(g.latestTime) }, ago(g.latestTime)),
  );
}

function row(n: Notification): HTMLElement {
  const actor = n.actor;
  return el(
    "article",
    { class: `notification${n.read ? "" : " unread"}`, "data-kind": NotificationKind[n.kind] },
    el("a", { href: `#/u/${actor?.id ?? 0n}` }, actorName(actor)),
    ` ${WHAT[n.kind]} `,
    n.postId ? el("a", { href: `#/p/${n.postId}` }, "(see post)") : null,
    " ",
    el("time", { title: fullTime(n.createTime) }, ago(n.createTime)),
  );
}

/** The unread count in the navigation, live while the stream is open, polled every `seconds` while it is not;
 * returns (stop, refresh now). */
export function unreadBadge(badge: HTMLElement, seconds: number): [() => void, () => void] {
  return liveUnread((unreadCount) => {
    badge.textContent = unreadCount > 0n ? String(unreadCount) : "";
    badge.hidden = unreadCount === 0n;
    badge.setAttribute("aria-label", `${unreadCount} unread`);
  }, seconds);
}

/** Pending requests to follow the caller (a private account), each to approve or reject; nothing when none. */
async function followRequests(box: HTMLElement): Promise<void> {
  let reply;
  try {
    reply = await api.graph.listFollowRequests({ limit: 50 });
  } catch {
    return; // the notifications below still say who asked
  }
  if (reply.requests.length === 0) return;
  const rows = reply.requests.map((user) => {
    const row = el("p", { class: "person" }, el("a", { href: `#/u/${user.id}` }, `${user.displayName || user.handle} @${user.handle}`), " ");
    const answer = (approve: boolean) => async () => {
      try {
        await (approve ? api.graph.approveFollowRequest({ userId: user.id }) : api.graph.rejectFollowRequest({ userId: user.id }));
        row.replaceChildren(`@${user.handle}: ${approve ? "approved" : "rejected"}`);
      } catch (error) {
        notify(explain(error), "error");
      }
    };
    row.append(
      el("button", { type: "button", onclick: answer(true) }, "Approve"),
      " ",
      el("button", { type: "button", class: "secondary", onclick: answer(false) }, "Reject"),
    );
    return row;
  });
  show(box, el("h2", {}, "Follow requests"), ...rows);
}
