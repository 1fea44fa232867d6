// Errors as people read them: what happened and what to do (429 "slow down", 503 "try again", 400 the service's
// own message). Pure: no session, no DOM, so the unit tests (web/test) check every mapping.
import { Code, ConnectError } from "@connectrpc/connect";

/** An error as a person reads it: what happened and what to do. */
export function explain(error: unknown): string {
  const failure = ConnectError.from(error);
  switch (failure.code) {
    case Code.ResourceExhausted:
      return "Slow down: you are doing that too often. Wait a minute and try again.";
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return "The service is busy or briefly down. Try again in a moment.";
    case Code.Unauthenticated:
      return "Your session has ended. Log in again.";
    case Code.NotFound:
      return "Not found: it was deleted, or you may not see it.";
    case Code.PermissionDenied:
      return "You are not allowed to do that.";
    case Code.AlreadyExists:
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
      return failure.rawMessage;
    default:
      return "Something went wrong. Try again.";
  }
}
