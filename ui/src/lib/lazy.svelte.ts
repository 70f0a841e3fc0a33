// Screens loaded when first shown, not with the login screen. The bundle's
// parse time is most of the window's start-up on the page side (measured in
// decision 0028: the whole UI in one 480 KB script took 50–90 ms to fetch
// and parse before its first line ran), so only what the login needs is in
// the first script; every other screen is a chunk of its own, fetched from
// the app's embedded assets the first time it is shown (and the counter
// screen right after the login screen is ready, see `prefetch`).
//
// `get()` starts the import on first use and returns the component once it
// is there (null until then, and the caller shows nothing for that moment);
// a chunk that cannot be loaded (a damaged installation) sets `failed`,
// which the window shows as a sentence instead of an empty page.
export class Lazy<T> {
  current = $state<T | null>(null);
  failed = $state(false);
  #load: () => Promise<{ default: T }>;
  #started = false;

  constructor(load: () => Promise<{ default: T }>) {
    this.#load = load;
  }

  /** The component if loaded; starts loading it otherwise. */
  get(): T | null {
    this.prefetch();
    return this.current;
  }

  /** Starts loading without showing anything (idempotent). */
  prefetch(): void {
    if (this.#started) return;
    this.#started = true;
    this.#load().then(
      (m) => (this.current = m.default),
      () => {
        this.failed = true;
        this.#started = false;
      },
    );
  }
}
