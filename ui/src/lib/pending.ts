// How long a pending backend call has taken, for the Pending indicator.

/** After this long a pending call shows a spinner and the seconds waited. */
export const PENDING_SHOW_MS = 1000;

/** Whole seconds between `start` and `now` (ms), never negative. */
export function elapsedSeconds(start: number, now: number): number {
  return Math.max(0, Math.floor((now - start) / 1000));
}
