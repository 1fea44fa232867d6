import { describe, expect, it } from "vitest";

import { type LikeState, toggleLike } from "../src/like";

describe("optimistic like", () => {
  it("shows the like at once, then the service's count", async () => {
    const painted: LikeState[] = [];
    const after = await toggleLike(
      { liked: false, likes: 4n },
      async (liked) => ({ liked, likeCount: 7n }), // others liked meanwhile
      (s) => painted.push(s),
    );
    expect(painted).toEqual([
      { liked: true, likes: 5n },
      { liked: true, likes: 7n },
    ]);
    expect(after).toEqual({ liked: true, likes: 7n });
  });

  it("unlikes optimistically, and sends the flipped state", async () => {
    const sent: boolean[] = [];
    const painted: LikeState[] = [];
    await toggleLike(
      { liked: true, likes: 1n },
      async (liked) => (sent.push(liked), { liked, likeCount: 0n }),
      (s) => painted.push(s),
    );
    expect(sent).toEqual([false]);
    expect(painted[0]).toEqual({ liked: false, likes: 0n });
  });

  it("rolls back to the state before when the call fails, and rethrows", async () => {
    const painted: LikeState[] = [];
    const failure = new Error("slow down");
    await expect(
      toggleLike({ liked: false, likes: 2n }, () => Promise.reject(failure), (s) => painted.push(s)),
    ).rejects.toBe(failure);
    expect(painted).toEqual([
      { liked: true, likes: 3n },
      { liked: false, likes: 2n },
    ]);
  });
});
