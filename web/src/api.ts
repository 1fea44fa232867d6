// The session (the access token, kept in sessionStorage: it ends with the tab) and the generated client, speaking
// gRPC-Web to the gateway that served the page (same origin: no CORS). An Unauthenticated answer ends the session.
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { Code, ConnectError, FeedmeshClient } from "@feedmesh/client/web";

export { explain } from "./errors";

const KEY = "feedmesh.session";

export interface Session {
  token: string;
  userId: string; // a decimal 64-bit id (JSON has no bigint)
  handle: string;
  expiresAt: number; // ms since the epoch
}

export function loadSession(): Session | undefined {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Session | null;
    return session && session.expiresAt > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

let onSessionEnd: () => void = () => {};

/** What the app does when the session ends (expired or refused token): back to the login screen. */
export function whenSessionEnds(handler: () => void): void {
  onSessionEnd = handler;
}

export const api = new FeedmeshClient((interceptors) =>
  createGrpcWebTransport({
    baseUrl: location.origin,
    interceptors: [
      ...interceptors,
      (next) => async (request) => {
        const session = loadSession();
        if (!session && sessionStorage.getItem(KEY)) endSession();
        try {
          return await next(request);
        } catch (error) {
          if (ConnectError.from(error).code === Code.Unauthenticated && loadSession()) endSession();
          throw error;
        }
      },
    ],
  }),
);
api.setToken(loadSession()?.token);

export async function logIn(handle: string, password: string): Promise<Session> {
  const reply = await api.login(handle, password);
  const session: Session = {
    token: reply.accessToken,
    userId: reply.userId.toString(),
    handle,
    expiresAt: Date.now() + Number(reply.expiresIn) * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function logOut(): void {
  sessionStorage.removeItem(KEY);
  api.setToken(undefined);
}

function endSession(): void {
  logOut();
  onSessionEnd();
}
