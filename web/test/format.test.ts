import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";

import { ago, plural } from "../src/format";

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const before = (seconds: number) => timestampFromMs(NOW - seconds * 1000);

describe("relative time", () => {
  it.each([
    [0, "just now"],
    [59, "just now"],
    [60, "1 minute ago"],
    [125, "2 minutes ago"],
    [3600, "1 hour ago"],
    [86400, "yesterday"],
    [3 * 86400, "3 days ago"],
    [7 * 86400, "last week"],
    [40 * 86400, "last month"],
    [400 * 86400, "last year"],
  ])("%i seconds ago reads %s", (seconds, text) => {
    expect(ago(before(seconds), NOW)).toBe(text);
  });

  it("reads a time a little in the future (clock skew) as near, not as negative", () => {
    expect(ago(before(-30), NOW)).toBe("just now");
    expect(ago(before(-120), NOW)).toBe("in 2 minutes");
  });

  it("is empty without a time", () => {
    expect(ago(undefined, NOW)).toBe("");
  });

  it("counts in the singular and the plural", () => {
    expect(plural(1n, "follower")).toBe("1 follower");
    expect(plural(0n, "follower")).toBe("0 followers");
    expect(plural(2, "reply", "replies")).toBe("2 replies");
  });
});
