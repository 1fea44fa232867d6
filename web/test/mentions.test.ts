import { describe, expect, it } from "vitest";

import { completeMention, mentionedHandles, typedMention } from "../src/mentions";

describe("the mention being typed", () => {
  it.each([
    ["hi @al", "al"],
    ["@", ""],
    ["@Bob_1", "Bob_1"],
    ["two\n@ca", "ca"],
  ])("%j is completing %j", (text, prefix) => {
    expect(typedMention(text, text.length)).toBe(prefix);
  });

  it.each(["mail me at a@b", "hi", "@al ", "@a-b", "hi@al"])("%j is not in a mention", (text) => {
    expect(typedMention(text, text.length)).toBeUndefined();
  });

  it("looks only before the caret", () => {
    expect(typedMention("hey @al and more", 7)).toBe("al");
  });
});

describe("completing a mention", () => {
  it("replaces the prefix with the handle and a space, and puts the caret after it", () => {
    expect(completeMention("hello @bo", 9, "bob_7")).toEqual({ text: "hello @bob_7 ", caret: 13 });
  });

  it("keeps the text after the caret", () => {
    expect(completeMention("@a! tail", 2, "alice")).toEqual({ text: "@alice ! tail", caret: 7 });
  });

  it("changes nothing outside a mention", () => {
    expect(completeMention("no mention", 10, "x")).toEqual({ text: "no mention", caret: 10 });
  });
});

describe("the handles a text mentions", () => {
  it("in order, once each, lower case", () => {
    expect(mentionedHandles("@Bob and @alice_1, again @bob.")).toEqual(["bob", "alice_1"]);
  });

  it("not e-mail addresses, too-short or too-long handles", () => {
    expect(mentionedHandles("a@bob.com @ab @" + "x".repeat(31))).toEqual([]);
  });
});
