/**
 * Slack message timestamps ("1700000000.000100"): epoch seconds plus a 6-digit
 * microsecond part. One generator per test process, shared by the fake Slack
 * and the request driver, so every ts handed out is unique and strictly
 * increasing no matter who made it.
 */
let lastMicros = 0n;

export function nextSlackTs(): string {
  const now = BigInt(Date.now()) * 1000n;
  lastMicros = now > lastMicros + 100n ? now : lastMicros + 100n;
  const secs = lastMicros / 1_000_000n;
  const micros = lastMicros % 1_000_000n;
  return `${secs}.${micros.toString().padStart(6, '0')}`;
}

/** Orders two Slack ts strings numerically (negative when a < b). */
export function compareSlackTs(a: string, b: string): number {
  const [as, au = '0'] = a.split('.');
  const [bs, bu = '0'] = b.split('.');
  const d = Number(as) - Number(bs);
  return d !== 0 ? d : Number(au.padEnd(6, '0')) - Number(bu.padEnd(6, '0'));
}
