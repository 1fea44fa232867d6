// One post as a card: author, time, text, images through the gateway's media cache, and the engagement controls:
// like / unlike (optimistic, rolled back on error), comments (paged, oldest first), share.
import type { User } from "@feedmesh/client/gen/feedmesh/auth/v1/user_pb.js";
import type { Post } from "@feedmesh/client/gen/feedmesh/post/v1/post_pb.js";

import { api, explain } from "./api";
import { el, show } from "./dom";
import { ago, fullTime } from "./format";
import { toggleLike } from "./like";
import { notify } from "./notice";
import { pagedList } from "./paged";

const COMMENTS_PAGE = 10;
// authors of comments by id (a comment carries only the id), asked once per page load
const people = new Map<bigint, Promise<User | undefined>>();

function person(id: bigint): Promise<User | undefined> {
  if (!people.has(id)) people.set(id, api.graph.getUser({ userId: id }).catch(() => undefined));
  return people.get(id)!;
}

function commenter(id: bigint): HTMLElement {
  const link = el("a", { href: `#/u/${id}` }, `user ${id}`);
  void person(id).then((user) => user && (link.textContent = `@${user.handle}`));
  return link;
}

export function authorLink(user: User | undefined, id: bigint): HTMLElement {
  const name = user ? user.displayName || user.handle : `user ${id}`;
  return el(
    "a",
    { class: "author", href: `#/u/${id}` },
    el("strong", {}, name),
    user ? el("span", { class: "handle" }, ` @${user.handle}`) : null,
  );
}

/** A post's card; whether the reader liked it comes from the post itself (liked_by_me) or the feed item's flag. */
export function postCard(post: Post, author: User | undefined, likedByMe = post.likedByMe): HTMLElement {
  let liked = likedByMe;
  let likes = post.likeCount;
  let shares = post.shareCount;
  const likeButton = el("button", { type: "button", class: "like", "aria-pressed": String(liked) });
  const shareButton = el("button", { type: "button", class: "share" });
  const commentsButton = el("button", { type: "button", class: "comments-toggle", "aria-expanded": "false" });
  const commentsBox = el("section", { class: "comments", hidden: true, "aria-label": "Comments" });
  let commentCount = post.commentCount;

  const paint = () => {
    likeButton.setAttribute("aria-pressed", String(liked));
    likeButton.textContent = `${liked ? "♥ Liked" : "♡ Like"} · ${likes}`;
    shareButton.textContent = `Share · ${shares}`;
    commentsButton.textContent = `Comments · ${commentCount}`;
  };

  likeButton.onclick = async () => {
    likeButton.disabled = true;
    try {
      await toggleLike(
        { liked, likes },
        (like) => (like ? api.engagement.likePost({ postId: post.id }) : api.engagement.unlikePost({ postId: post.id })),
        (state) => {
          ({ liked, likes } = state);
          paint();
        },
      );
    } catch (error) {
      notify(explain(error), "error");
    } finally {
      likeButton.disabled = false;
    }
  };

  shareButton.onclick = async () => {
    try {
      shares = (await api.engagement.sharePost({ postId: post.id })).shareCount;
      paint();
      const link = `${location.origin}/#/p/${post.id}`;
      const copied = await navigator.clipboard?.writeText(link).then(
        () => true,
        () => false,
      );
      notify(copied ? "Shared. The link is on your clipboard." : `Shared. Its link: ${link}`);
    } catch (error) {
      notify(explain(error), "error");
    }
  };

  commentsButton.onclick = () => {
    const open = commentsBox.hidden;
    commentsBox.hidden = !open;
    commentsButton.setAttribute("aria-expanded", String(open));
    if (open && !commentsBox.hasChildNodes()) {
      comments(post.id, commentsBox, () => {
        commentCount += 1n;
        paint();
      });
    }
  };
  paint();

  return el(
    "article",
    { class: "post", "data-post-id": post.id.toString() },
    el(
      "header",
      {},
      authorLink(author, post.authorId),
      el(
        "a",
        { class: "time", href: `#/p/${post.id}`, title: fullTime(post.createTime) },
        el("time", {}, ago(post.createTime)),
      ),
    ),
    el("p", { class: "text" }, post.text),
    ...post.mediaRefs.map((ref) =>
      el("img", { class: "media", src: `/media/${encodeURIComponent(ref)}`, alt: "Image attached to the post", loading: "lazy" }),
    ),
    el("footer", { class: "actions" }, likeButton, commentsButton, shareButton),
    commentsBox,
  );
}

/** The comments of a post, a page at a time, oldest first, and a form to add one. */
function comments(postId: bigint, box: HTMLElement, added: () => void): void {
  const pages = el("div");
  const list = pagedList(
    pages,
    async (cursor) => {
      const page = await api.engagement.listComments({ postId, cursor, limit: COMMENTS_PAGE });
      return { nodes: page.comments.map((c) => el("li", {}, commenter(c.authorId), ": ", c.text)), next: page.nextCursor };
    },
    "No comments yet.",
    { ordered: true, className: "comment-list", more: "More comments" },
  );
  const input = el("input", { type: "text", name: "comment", maxlength: 1000, required: true, "aria-label": "Write a comment" });
  const form = el("form", { class: "comment-form" }, input, el("button", { type: "submit" }, "Comment"));
  form.onsubmit = async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    try {
      const comment = await api.engagement.createComment({ postId, text });
      list.querySelector(".empty")?.remove();
      list.append(el("li", { class: "mine" }, el("strong", {}, "You"), ": ", comment.text));
      input.value = "";
      added();
    } catch (error) {
      notify(explain(error), "error");
    }
  };
  show(box, pages, form);
}
