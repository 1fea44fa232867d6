import { describe, expect, it } from "vitest";

import { backoffMs } from "../src/backoff";
import { followLabel, postsHidden, type Standing } from "../src/relationship";

const none: Standing = {
  following: false,
  requested: false,
  followedBy: false,
  blocking: false,
  closeFriend: false,
  private: false,
};

describe("the profile's follow button and posts", () => {
  it.each([
    [{}, "Follow"],
    [{ followedBy: true }, "Follow back"],
    [{ following: true }, "Unfollow"],
    [{ private: true }, "Request to follow"],
    [{ private: true, requested: true }, "Requested (withdraw)"],
    [{ private: true, following: true }, "Unfollow"],
  ])("%j: %s", (facts, label) => {
    expect(followLabel({ ...none, ...facts })).toBe(label);
  });

  it("a stranger sees a private account's wall, a follower its posts", () => {
    expect(postsHidden({ ...none, private: true })).toMatch(/private. Request to follow/);
    expect(postsHidden({ ...none, private: true, requested: true })).toMatch(/waiting for approval/);
    expect(postsHidden({ ...none, private: true, following: true })).toBeUndefined();
    expect(postsHidden(none)).toBeUndefined();
    expect(postsHidden({ ...none, blocking: true })).toMatch(/unblock/);
  });
});

describe("reconnect backoff", () => {
  it("doubles from the base up to the cap", () => {
    const plain = (n: number) => backoffMs(n, 1000, 30_000, () => 0);
    expect([1, 2, 3, 4, 5, 6, 7].map(plain)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it("adds at most a quarter at random", () => {
    expect(backoffMs(2, 1000, 30_000, () => 0.999)).toBeLessThanOrEqual(2500);
    expect(backoffMs(2, 1000, 30_000, () => 0.5)).toBe(2250);
  });
});
