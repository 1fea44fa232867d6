import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";

import { explain } from "../src/errors";

describe("errors as people read them", () => {
  it("429 (RESOURCE_EXHAUSTED) says slow down", () => {
    expect(explain(new ConnectError("rate limited", Code.ResourceExhausted))).toMatch(/^Slow down/);
  });

  it.each([Code.Unavailable, Code.DeadlineExceeded])("503 and timeouts say try again (%i)", (code) => {
    expect(explain(new ConnectError("upstream", code))).toMatch(/Try again in a moment/);
  });

  it.each([Code.InvalidArgument, Code.AlreadyExists, Code.FailedPrecondition])("400s give the service's message (%i)", (code) => {
    expect(explain(new ConnectError("text must be at most 500 characters", code))).toBe(
      "text must be at most 500 characters",
    );
  });

  it("names the other refusals without the service's words", () => {
    expect(explain(new ConnectError("post 5 not found", Code.NotFound))).toMatch(/^Not found/);
    expect(explain(new ConnectError("BLOCKED", Code.PermissionDenied))).toBe("You are not allowed to do that.");
    expect(explain(new ConnectError("jwt", Code.Unauthenticated))).toMatch(/Log in again/);
  });

  it("never shows an internal error's details or a stack", () => {
    expect(explain(new ConnectError("KeyError: 'x' at line 3", Code.Internal))).toBe("Something went wrong. Try again.");
    expect(explain(new TypeError("Failed to fetch"))).toBe("Something went wrong. Try again.");
  });
});
