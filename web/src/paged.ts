// A list read a page at a time through the API's cursors, with a "Load more" button.
import { explain } from "./api";
import { el, show } from "./dom";

export type Page = { nodes: HTMLElement[]; next: string };

interface Options {
  ordered?: boolean; // an <ol> of <li> nodes (comments) rather than a <div>
  className?: string;
  more?: string; // the button's label
}

/** Fills box with the list and its button, loads the first page; returns the list (to add to it). */
export function pagedList(
  box: HTMLElement,
  fetchPage: (cursor: string) => Promise<Page>,
  empty: string,
  { ordered = false, className = "list", more: moreLabel = "Load more" }: Options = {},
): HTMLElement {
  const list = ordered ? el("ol", { class: className }) : el("div", { class: className });
  const more = el("button", { type: "button", class: "load-more", hidden: true }, moreLabel);
  let cursor = "";
  const load = async () => {
    more.disabled = true;
    try {
      const page = await fetchPage(cursor);
      list.append(...page.nodes);
      cursor = page.next;
      more.hidden = !cursor;
      if (!list.hasChildNodes()) list.append(el(ordered ? "li" : "p", { class: "empty" }, empty));
      list.dataset.state = "ready";
    } catch (error) {
      list.append(el(ordered ? "li" : "p", { class: "error" }, explain(error)));
    } finally {
      more.disabled = false;
    }
  };
  more.onclick = load;
  show(box, list, more);
  void load();
  return list;
}
