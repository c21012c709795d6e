/**
 * The open streams of one HTTP/2 connection, by stream id: an open-addressing
 * table that only grows and clears a slot as soon as its stream goes.
 *
 * A `Map` does the same job, but each connection adds and deletes a stream
 * per call, and V8 rebuilds a `Map`'s table whenever deletions leave it a
 * quarter full and again when it refills: a new table every few calls at a
 * steady 16 in flight. The tables that lived long enough to reach the old
 * generation keep every stream they held reachable for the young-generation
 * collector until the next full collection, and with the streams everything
 * their calls hold: measured on the proxy's redis path, three quarters of a
 * megabyte promoted to the old generation per scavenge, 3–5 ms scavenges
 * and a fifth of the proxy's CPU in the collector. Here the arrays are
 * allocated once (and when the table doubles), and a slot is emptied when
 * its stream is deleted: nothing outlives its stream.
 *
 * Stream ids grow by two (a client's are odd, a server's even), so
 * `id >>> 1` spreads the open ones over consecutive slots; collisions probe
 * linearly and deletion shifts the entries after a hole back (no tombstones).
 *
 * @example
 * ```ts
 * import { StreamTable } from "./_stream_table.ts";
 * const streams = new StreamTable<string>();
 * streams.set(1, "a");
 * streams.set(3, "b");
 * streams.delete(1);
 * console.log(streams.get(3), streams.has(1), streams.size); // "b" false 1
 * ```
 *
 * @module
 */

/** Streams by id (ids are positive integers below 2³¹). */
export class StreamTable<T> {
  #ids: Int32Array;
  #values: (T | undefined)[];
  #mask: number;
  #size = 0;

  /** `capacity`: the slots to start with (a power of two, at least 4); the table doubles when half full. */
  constructor(capacity = 16) {
    if (!(Number.isInteger(capacity) && capacity >= 4 && (capacity & (capacity - 1)) === 0)) {
      throw new RangeError(
        `Cannot create a stream table as 'capacity' must be a power of two of at least 4: current value is ${capacity}`,
      );
    }
    this.#ids = new Int32Array(capacity);
    this.#values = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  /** Streams in the table. */
  get size(): number {
    return this.#size;
  }

  #slot(id: number): number {
    const ids = this.#ids;
    const mask = this.#mask;
    let i = (id >>> 1) & mask;
    for (;;) {
      const at = ids[i];
      if (at === id || at === 0) return i;
      i = (i + 1) & mask;
    }
  }

  /** The stream with this id, if open. */
  get(id: number): T | undefined {
    return this.#values[this.#slot(id)];
  }

  /** Whether a stream with this id is open. */
  has(id: number): boolean {
    return this.#ids[this.#slot(id)] === id;
  }

  /** Adds or replaces the stream with this id. */
  set(id: number, value: T): void {
    if (!(Number.isInteger(id) && id > 0 && id < 2 ** 31)) {
      throw new RangeError(
        `Cannot add a stream as 'id' must be an integer from 1 to 2^31-1: current value is ${id}`,
      );
    }
    let i = this.#slot(id);
    if (this.#ids[i] !== id) {
      if ((this.#size + 1) * 2 > this.#ids.length) {
        this.#grow();
        i = this.#slot(id);
      }
      this.#ids[i] = id;
      this.#size++;
    }
    this.#values[i] = value;
  }

  /** Removes the stream with this id; returns whether it was there. */
  delete(id: number): boolean {
    const ids = this.#ids;
    const values = this.#values;
    const mask = this.#mask;
    let hole = this.#slot(id);
    if (ids[hole] !== id) return false;
    this.#size--;
    // Backward shift: move each following entry of the run into the hole
    // when its home slot does not lie (cyclically) after the hole.
    let i = hole;
    for (;;) {
      i = (i + 1) & mask;
      const at = ids[i];
      if (at === 0) break;
      const home = (at >>> 1) & mask;
      const stays = hole <= i ? hole < home && home <= i : hole < home || home <= i;
      if (stays) continue;
      ids[hole] = at;
      values[hole] = values[i];
      hole = i;
    }
    ids[hole] = 0;
    values[hole] = undefined;
    return true;
  }

  /** The open streams, in no particular order (a copy: deleting while iterating is safe). */
  values(): T[] {
    const out: T[] = [];
    const ids = this.#ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) out.push(this.#values[i] as T);
    return out;
  }

  /** Removes every stream (the arrays stay). */
  clear(): void {
    this.#ids.fill(0);
    this.#values.fill(undefined);
    this.#size = 0;
  }

  #grow(): void {
    const ids = this.#ids;
    const values = this.#values;
    const capacity = ids.length * 2;
    this.#ids = new Int32Array(capacity);
    this.#values = new Array<T | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === 0) continue;
      const j = this.#slot(ids[i]);
      this.#ids[j] = ids[i];
      this.#values[j] = values[i];
    }
  }
}
