// What a notification says: "bob liked your post", and grouped, "Ana, Bo and 3 others liked your post".
import { NotificationKind } from "@feedmesh/client/gen/feedmesh/notification/v1/notification_service_pb.js";

export const WHAT: Record<NotificationKind, string> = {
  [NotificationKind.NOTIFICATION_KIND_UNSPECIFIED]: "did something",
  [NotificationKind.FOLLOW]: "followed you",
  [NotificationKind.FOLLOW_REQUEST]: "asked to follow you",
  [NotificationKind.LIKE]: "liked your post",
  [NotificationKind.COMMENT]: "commented on your post",
  [NotificationKind.MENTION]: "mentioned you",
  [NotificationKind.CLOSE_FRIEND_POST]: "posted for close friends",
};

/** A person as a notification names them. */
export interface Actor {
  handle: string;
  displayName: string;
}

export function actorName(actor: Actor | undefined): string {
  return actor ? actor.displayName || `@${actor.handle}` : "Someone";
}

/** "Ana", "Ana and Bo", "Ana, Bo and Cy", "Ana, Bo and 3 others": the actors shown, then how many more acted. */
export function whoDidIt(actors: Actor[], actorCount: bigint | number): string {
  const names = actors.map(actorName);
  const others = Number(actorCount) - names.length;
  if (names.length === 0) return others > 0 ? `${others} ${others === 1 ? "person" : "people"}` : "Someone";
  if (others > 0) return `${names.join(", ")} and ${others} other${others === 1 ? "" : "s"}`;
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The sentence of a group of notifications of one kind about one post. */
export function groupSentence(kind: NotificationKind, actors: Actor[], actorCount: bigint | number): string {
  return `${whoDidIt(actors, actorCount)} ${WHAT[kind]}`;
}
