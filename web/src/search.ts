// People search: accounts by the start of their handle (SearchUsers; accounts blocked either way are left out),
// a page at a time, as you type.
import { api } from "./api";
import { el, show } from "./dom";
import { pagedList } from "./paged";
import { personRow } from "./profile";

const PAGE = 20;

export function searchScreen(main: HTMLElement, initial: string): void {
  const input = el("input", {
    type: "search",
    id: "people-query",
    name: "query",
    autocomplete: "off",
    placeholder: "handle, e.g. ali",
    pattern: "@?[A-Za-z0-9_]{1,30}",
    value: initial,
  });
  const results = el("section", { class: "search-results", "aria-live": "polite" });
  const form = el(
    "form",
    { class: "search", role: "search" },
    el("label", { for: "people-query" }, "Search people"),
    input,
    el("button", { type: "submit" }, "Search"),
  );
  let timer: number | undefined;
  const run = () => {
    const query = input.value.trim();
    history.replaceState(null, "", `#/search${query ? `?q=${encodeURIComponent(query)}` : ""}`);
    if (!query) return show(results);
    if (!input.checkValidity())
      return show(results, el("p", { class: "error" }, "A handle has only letters, digits and _."));
    pagedList(results, async (cursor) => {
      const page = await api.graph.searchUsers({ query, cursor, limit: PAGE });
      return { nodes: page.users.map(personRow), next: page.nextCursor };
    }, `No one's handle starts with "${query}".`);
  };
  input.oninput = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 250);
  };
  form.onsubmit = (event) => {
    event.preventDefault();
    window.clearTimeout(timer);
    run();
  };
  show(main, el("h1", {}, "People"), form, results);
  input.focus();
  run();
}
