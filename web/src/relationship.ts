// Where the caller stands with a profile's owner (GraphService.GetRelationship), as the profile screen shows it.

/** The facts GetRelationship answers. */
export interface Standing {
  following: boolean;
  requested: boolean;
  followedBy: boolean;
  blocking: boolean;
  closeFriend: boolean;
  private: boolean;
}

/** The follow button's label: what pressing it does, or where a request stands. */
export function followLabel(s: Standing): string {
  if (s.following) return "Unfollow";
  if (s.requested) return "Requested (withdraw)";
  if (s.private) return "Request to follow";
  return s.followedBy ? "Follow back" : "Follow";
}

/** What a stranger sees of a private account, blocked accounts, and everyone else: posts or a reason why not. */
export function postsHidden(s: Standing): string | undefined {
  if (s.blocking) return "You blocked this account: unblock it to see its posts.";
  if (s.private && !s.following)
    return s.requested
      ? "This account is private. Your request to follow is waiting for approval."
      : "This account is private. Request to follow to see its posts, followers and following.";
  return undefined;
}
