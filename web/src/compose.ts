// Compose: text with a live count of what is left, mentions completed from any handle, visibility, and an image
// uploaded through the presigned URL flow (CreateUpload, then a PUT of the bytes to the URL it returns) with a
// preview and its progress.
import type { User } from "@feedmesh/client/gen/feedmesh/auth/v1/user_pb.js";
import { Visibility } from "@feedmesh/client/gen/feedmesh/post/v1/visibility_pb.js";

import { api, explain } from "./api";
import { el } from "./dom";
import { completeMention, typedMention } from "./mentions";
import { notify } from "./notice";

export const MAX_TEXT = 500;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export function composer(posted: () => void): HTMLElement {
  const text = el("textarea", { id: "compose-text", name: "text", rows: 3, required: true, placeholder: "What is happening?" });
  const count = el("span", { class: "count", id: "compose-count", "aria-live": "polite" });
  const visibility = el(
    "select",
    { id: "compose-visibility", name: "visibility" },
    el("option", { value: String(Visibility.PUBLIC) }, "Public"),
    el("option", { value: String(Visibility.FOLLOWERS) }, "Followers"),
    el("option", { value: String(Visibility.CLOSE_FRIENDS) }, "Close friends"),
  );
  const file = el("input", { id: "compose-image", type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" });
  const preview = el("img", { class: "preview", alt: "Preview of the image to attach", hidden: true });
  const progress = el("progress", { max: 100, value: 0, hidden: true, "aria-label": "Upload progress" });
  const submit = el("button", { type: "submit" }, "Post");
  const mentions = el("ul", { class: "mentions", id: "compose-mentions", "aria-label": "People to mention", hidden: true });
  text.setAttribute("aria-controls", "compose-mentions");

  const paintCount = () => {
    const left = MAX_TEXT - [...text.value.trim()].length;
    count.textContent = `${left} characters left`;
    count.classList.toggle("over", left < 0);
    submit.disabled = left < 0 || text.value.trim() === "";
  };
  text.oninput = () => {
    paintCount();
    void suggestMentions(text, mentions);
  };
  file.onchange = () => {
    const image = file.files?.[0];
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.hidden = !image;
    if (image) preview.src = URL.createObjectURL(image);
  };

  const form = el(
    "form",
    { class: "compose", "aria-label": "Write a post" },
    el("label", { for: "compose-text" }, "New post"),
    text,
    mentions,
    el(
      "div",
      { class: "compose-bar" },
      count,
      el("label", { for: "compose-visibility" }, "Who can see it"),
      visibility,
      el("label", { for: "compose-image" }, "Image"),
      file,
      submit,
    ),
    preview,
    progress,
  );
  form.onsubmit = async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const image = file.files?.[0];
      const mediaRefs = image ? [await upload(image, progress)] : [];
      await api.posts.createPost({ text: text.value.trim(), visibility: Number(visibility.value) as Visibility, mediaRefs });
      form.reset();
      preview.hidden = true;
      notify("Posted.");
      posted();
    } catch (error) {
      notify(error instanceof UploadError ? error.message : explain(error), "error");
    } finally {
      progress.hidden = true;
      paintCount();
    }
  };
  paintCount();
  return form;
}

class UploadError extends Error {}

/** The media ref of the uploaded image: the service presigns a URL, the bytes go straight to the object store. */
async function upload(image: File, progress: HTMLProgressElement): Promise<string> {
  if (image.size > MAX_IMAGE_BYTES) throw new UploadError("That image is too large: 10 MB at most.");
  const slot = await api.media.createUpload({ contentType: image.type, sizeBytes: BigInt(image.size) });
  progress.hidden = false;
  progress.value = 0;
  await new Promise<void>((resolve, reject) => {
    // XMLHttpRequest rather than fetch: only it reports upload progress
    const request = new XMLHttpRequest();
    request.open("PUT", slot.uploadUrl);
    request.setRequestHeader("content-type", image.type);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) progress.value = (100 * event.loaded) / event.total;
    };
    request.onload = () =>
      request.status < 300 ? resolve() : reject(new UploadError(`The image upload failed (${request.status}). Try again.`));
    request.onerror = () => reject(new UploadError("The image upload failed. Try again."));
    request.send(image);
  });
  return slot.mediaRef;
}

/** Under the text, up to 5 accounts whose handle completes the "@prefix" just before the caret (SearchUsers: any
 * handle, blocked accounts left out); picking one inserts it. Asked once typing pauses (SEARCH_PAUSE_MS), and a
 * newer keystroke's answer wins over an older one. */
const SEARCH_PAUSE_MS = 150;
let asked = 0;
async function suggestMentions(text: HTMLTextAreaElement, list: HTMLUListElement): Promise<void> {
  const prefix = typedMention(text.value, text.selectionStart);
  const ask = ++asked;
  if (!prefix) {
    list.hidden = true;
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, SEARCH_PAUSE_MS));
  if (ask !== asked) return;
  let users: User[];
  try {
    users = (await api.graph.searchUsers({ query: prefix, limit: 5 })).users;
  } catch {
    users = []; // no suggestions; typing the handle still mentions
  }
  if (ask !== asked) return;
  const handles = users.map((u) => u.handle).filter((h) => h !== prefix.toLowerCase());
  list.replaceChildren(
    ...handles.map((handle) => {
      const pick = el("button", { type: "button" }, `@${handle}`);
      pick.onclick = () => {
        const done = completeMention(text.value, text.selectionStart, handle);
        text.value = done.text;
        text.focus();
        text.selectionStart = text.selectionEnd = done.caret;
        list.hidden = true;
        text.dispatchEvent(new Event("input"));
      };
      return el("li", {}, pick);
    }),
  );
  list.hidden = handles.length === 0;
}
