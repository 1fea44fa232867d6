// How times and counts read in the app.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "just now", "3 minutes ago", "yesterday". */
export function ago(time: Timestamp | undefined, now = Date.now()): string {
  if (!time) return "";
  const seconds = Math.round((timestampDate(time).getTime() - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  return "just now";
}

/** The full date, for a title attribute. */
export function fullTime(time: Timestamp | undefined): string {
  return time ? timestampDate(time).toLocaleString() : "";
}

export function plural(count: bigint | number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1n || count === 1 ? one : many}`;
}
