import { NotificationKind } from "@feedmesh/client/gen/feedmesh/notification/v1/notification_service_pb.js";
import { describe, expect, it } from "vitest";

import { actorName, groupSentence, whoDidIt } from "../src/notification-text";

const ana = { handle: "ana", displayName: "Ana" };
const bo = { handle: "bo", displayName: "" };
const cy = { handle: "cy", displayName: "Cy" };

describe("grouped notifications", () => {
  it.each([
    [[ana], 1, "Ana"],
    [[ana, bo], 2, "Ana and @bo"],
    [[ana, bo, cy], 3, "Ana, @bo and Cy"],
    [[ana, bo], 3, "Ana, @bo and 1 other"],
    [[ana, bo], 5, "Ana, @bo and 3 others"],
    [[], 2, "2 people"],
    [[], 0, "Someone"],
  ])("%j of %i read %j", (actors, count, text) => {
    expect(whoDidIt(actors, BigInt(count))).toBe(text);
  });

  it("says what they did", () => {
    expect(groupSentence(NotificationKind.LIKE, [ana, bo], 5n)).toBe("Ana, @bo and 3 others liked your post");
    expect(groupSentence(NotificationKind.COMMENT, [cy], 1n)).toBe("Cy commented on your post");
    expect(groupSentence(NotificationKind.FOLLOW_REQUEST, [bo], 1n)).toBe("@bo asked to follow you");
  });

  it("names a person by display name, else handle, else someone", () => {
    expect([actorName(ana), actorName(bo), actorName(undefined)]).toEqual(["Ana", "@bo", "Someone"]);
  });
});
