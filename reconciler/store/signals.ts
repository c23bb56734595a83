/**
 * Signals within one process: the listeners of a store nobody else shares (SQLite). A throwing
 * listener is its own problem: the others still hear the signal.
 */
import type { StoreSignal } from './store.ts';

/** SignalListeners keeps a store's listeners and tells each one of a signal. */
export class SignalListeners {
  #listeners = new Set<(signal: StoreSignal) => void>();

  /** add hears signals until the returned function is called. */
  add(listener: (signal: StoreSignal) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** tell gives a signal to every listener. */
  tell(signal: StoreSignal): void {
    for (const listener of this.#listeners) {
      try {
        listener(signal);
      } catch {
        // A listener's failure is not the sender's: it logs its own errors.
      }
    }
  }

  /** size is how many listen. */
  get size(): number {
    return this.#listeners.size;
  }
}
