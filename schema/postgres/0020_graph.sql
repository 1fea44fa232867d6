-- The graph service's schema: who follows whom, pending follow requests, blocks, close-friends lists, and the
-- per-user follower/following counts kept in the same transaction as every change (GetUser never counts rows).
--
-- Every list RPC pages by `seq`, an identity column that only grows: "most recent first" is `seq DESC`, and a
-- cursor names the last seq served, so rows added while a client pages never shift the pages still to come.
CREATE SCHEMA IF NOT EXISTS graph;

-- follower_id follows followee_id.
CREATE TABLE IF NOT EXISTS graph.follows (
    follower_id bigint      NOT NULL,
    followee_id bigint      NOT NULL,
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id)
);
-- An author's follower ids in id order (ListFollowerIds, fanout) and membership checks from the followee's side.
CREATE INDEX IF NOT EXISTS follows_followee_follower ON graph.follows (followee_id, follower_id);
-- ListFollowers and ListFollowing, newest first.
CREATE INDEX IF NOT EXISTS follows_followee_seq ON graph.follows (followee_id, seq DESC) INCLUDE (follower_id);
CREATE INDEX IF NOT EXISTS follows_follower_seq ON graph.follows (follower_id, seq DESC) INCLUDE (followee_id);

-- requester_id asked to follow the private account target_id.
CREATE TABLE IF NOT EXISTS graph.follow_requests (
    requester_id bigint      NOT NULL,
    target_id    bigint      NOT NULL,
    seq          bigint      GENERATED ALWAYS AS IDENTITY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (requester_id, target_id)
);
-- ListFollowRequests: the requests to one account, oldest first.
CREATE INDEX IF NOT EXISTS follow_requests_target_seq ON graph.follow_requests (target_id, seq) INCLUDE (requester_id);

-- blocker_id blocked blocked_id.
CREATE TABLE IF NOT EXISTS graph.blocks (
    blocker_id bigint      NOT NULL,
    blocked_id bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id)
);
-- "Who blocked this viewer": visibility checks look both ways.
CREATE INDEX IF NOT EXISTS blocks_blocked_blocker ON graph.blocks (blocked_id, blocker_id);

-- friend_id is on owner_id's close-friends list.
CREATE TABLE IF NOT EXISTS graph.close_friends (
    owner_id   bigint      NOT NULL,
    friend_id  bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, friend_id)
);
-- "Whose close friend is this viewer": BatchCheckVisibility.
CREATE INDEX IF NOT EXISTS close_friends_friend_owner ON graph.close_friends (friend_id, owner_id);

-- Follower and following counts, changed in the transaction that changes graph.follows. A missing row is 0/0.
CREATE TABLE IF NOT EXISTS graph.user_counts (
    user_id         bigint PRIMARY KEY,
    follower_count  bigint NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
    following_count bigint NOT NULL DEFAULT 0 CHECK (following_count >= 0)
);
