/**
 * The repo refresh behind `POST /api/v1/git/refresh`: however many callers ask at once, one fetch
 * runs and at most one more waits. A caller that arrives while a fetch runs joins the next one
 * (a push may have landed after the running fetch started), so every caller gets the result of a
 * fetch that began no earlier than its request. Fifty concurrent calls cost two fetches.
 */

/** Coalescer runs `task` with one run in flight and at most one pending. */
export class Coalescer<T> {
  readonly #task: () => Promise<T>;
  #running: Promise<T> | undefined;
  #pending: PromiseWithResolvers<T> | undefined;
  #runs = 0;

  constructor(task: () => Promise<T>) {
    this.#task = task;
  }

  /** run starts the task now when idle, else joins the one pending run (starting after the current). */
  run(): Promise<T> {
    if (!this.#running) return this.#start();
    this.#pending ??= Promise.withResolvers<T>();
    return this.#pending.promise;
  }

  /** runs counts the task's runs so far. */
  get runs(): number {
    return this.#runs;
  }

  #start(): Promise<T> {
    this.#runs++;
    const run = (async () => this.#task())();
    this.#running = run;
    // Hand over synchronously: no caller can slip a third run in between.
    const next = () => {
      this.#running = undefined;
      const pending = this.#pending;
      this.#pending = undefined;
      if (pending) this.#start().then(pending.resolve, pending.reject);
    };
    run.then(next, next);
    return run;
  }
}
