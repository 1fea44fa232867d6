// The unread badge, live: NotificationService.StreamNotifications, a server stream over gRPC-Web through the
// gateway. Every message carries the caller's unread count (a heartbeat every few seconds while nothing happens).
// A dropped stream is reopened after a backoff; while it is down (FALLBACK_AFTER failures in a row) the count is
// polled instead, until a reopened stream answers again. <body data-live> says which ("stream", "polling").
import { Code, ConnectError } from "@feedmesh/client/web";

import { api } from "./api";
import { backoffMs } from "./backoff";

const FALLBACK_AFTER = 2;

export type LiveMode = "connecting" | "stream" | "polling";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Feeds `onCount` with the unread count until stopped; returns (stop, refresh now). */
export function liveUnread(onCount: (count: bigint) => void, pollSeconds: number): [() => void, () => void] {
  let stopped = false;
  let failures = 0;
  let pollTimer: number | undefined;
  let controller: AbortController | undefined;
  const mode = (value: LiveMode) => (document.body.dataset.live = value);

  const refresh = async () => {
    try {
      onCount((await api.notifications.getUnreadCount({})).unreadCount);
    } catch {
      // the stream or the next poll tries again
    }
  };
  const startPolling = () => {
    if (pollTimer !== undefined) return;
    pollTimer = window.setInterval(() => !document.hidden && void refresh(), pollSeconds * 1000);
    mode("polling");
  };
  const stopPolling = () => {
    window.clearInterval(pollTimer);
    pollTimer = undefined;
  };

  const run = async () => {
    mode("connecting");
    while (!stopped) {
      controller = new AbortController();
      let received = 0;
      try {
        for await (const message of api.notifications.streamNotifications({}, { signal: controller.signal })) {
          received += 1;
          failures = 0;
          stopPolling();
          mode("stream");
          document.body.dataset.liveMessages = String(Number(document.body.dataset.liveMessages ?? 0) + 1);
          onCount(message.unreadCount);
        }
        if (received > 0) continue; // the gateway ends a stream after its time cap: open the next one at once
      } catch (error) {
        if (stopped || ConnectError.from(error).code === Code.Unauthenticated) return; // the session is over
      }
      failures += 1;
      if (failures >= FALLBACK_AFTER) startPolling();
      await sleep(backoffMs(failures));
    }
  };

  void refresh();
  void run();
  return [
    () => {
      stopped = true;
      controller?.abort();
      stopPolling();
    },
    () => void refresh(),
  ];
}
