// A small typed event emitter: on/off/once with the payload type checked per event name.
// Listener exceptions are caught so a bad subscriber cannot break the link's receive path.

export type EventMap = Record<string, (...args: never[]) => void>;

export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  constructor(private readonly onListenerError?: (event: keyof E, err: unknown) => void) {}

  on<K extends keyof E>(event: K, listener: E[K]): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  off<K extends keyof E>(event: K, listener: E[K]): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  once<K extends keyof E>(event: K, listener: E[K]): this {
    const wrapped = ((...args: Parameters<E[K]>) => {
      this.off(event, wrapped);
      (listener as (...a: Parameters<E[K]>) => void)(...args);
    }) as unknown as E[K];
    return this.on(event, wrapped);
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        this.onListenerError?.(event, err);
      }
    }
  }
}
