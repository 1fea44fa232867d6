// How long to wait before reconnecting a live stream after its n-th failure in a row: doubling from `base`, capped,
// with up to a quarter more at random so that clients dropped together do not all come back together.
export function backoffMs(failures: number, base = 1000, cap = 30_000, random: () => number = Math.random): number {
  const plain = Math.min(cap, base * 2 ** Math.max(0, failures - 1));
  return Math.round(plain * (1 + random() / 4));
}
