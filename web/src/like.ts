// Like / unlike, optimistic: the flipped state shows at once, then the service's answer replaces it, or the state
// from before comes back when the call fails.

export interface LikeState {
  liked: boolean;
  likes: bigint;
}

/** What LikePost and UnlikePost answer. */
export interface LikeReply {
  liked: boolean;
  likeCount: bigint;
}

/** Flips `before`, paints it, asks `send(liked)`; paints and returns the answer, or paints `before` and throws. */
export async function toggleLike(
  before: LikeState,
  send: (liked: boolean) => Promise<LikeReply>,
  paint: (state: LikeState) => void,
): Promise<LikeState> {
  const liked = !before.liked;
  paint({ liked, likes: before.likes + (liked ? 1n : -1n) });
  try {
    const reply = await send(liked);
    const after = { liked: reply.liked, likes: reply.likeCount };
    paint(after);
    return after;
  } catch (error) {
    paint(before);
    throw error;
  }
}
