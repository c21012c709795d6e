/**
 * Conformance suite: `prism.interfaces.stream.StreamBasicInterface`.
 *
 * CONTRACT §2: offsets increase by one per Append within a stream; Read
 * returns records in offset order from `from_offset` (clamped to the oldest
 * retained) and ends after `max_messages` or at the tail; Trim drops records
 * below `before_offset`.
 *
 * @module
 */
import { status } from "@grpc/grpc-js";
import { collect, unary } from "../../proto/client.ts";
import type { Record__Output } from "../../proto/gen/prism/interfaces/stream/Record.ts";
import { assert, assertStatus, bytes } from "../_assert.ts";
import { deadline, type Suite } from "./target.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs the stream suite against `target`. */
export const streamBasicSuite: Suite = async (t, target) => {
  const c = target.clients;
  const ns = target.namespace;
  const streamOf = (name: string) => `${target.runId}.${name}`;
  const append = async (stream: string, payload: string, metadata: Record<string, string> = {}) =>
    Number(
      (await unary(
        c.stream,
        "Append",
        { namespace: ns, stream, payload: bytes(payload), metadata },
        deadline(15),
      )).offset,
    );
  const read = (stream: string, from_offset: number, max_messages = 0) =>
    collect<Record__Output>(
      c.stream.Read({ namespace: ns, stream, from_offset, max_messages }, deadline(20)),
    );
  const trim = (stream: string, before_offset: number) =>
    unary(c.stream, "Trim", { namespace: ns, stream, before_offset }, deadline(15));

  await t.step("Append returns offsets that increase by one", async () => {
    const s = streamOf("offsets");
    const first = await append(s, "a");
    assert.equal(await append(s, "b"), first + 1);
    assert.equal(await append(s, "c"), first + 2);
  });

  await t.step(
    "Read returns records in order with payload, metadata and time, ending at the tail",
    async () => {
      const s = streamOf("read");
      const t0 = Date.now();
      const offsets: number[] = [];
      for (let i = 0; i < 10; i++) offsets.push(await append(s, `r${i}`, { i: String(i) }));
      const all = await read(s, offsets[0]);
      assert.deepEqual(all.map((r) => Number(r.offset)), offsets);
      assert.deepEqual(all.map((r) => text(r.payload)), offsets.map((_, i) => `r${i}`));
      assert.deepEqual(all.map((r) => r.metadata.i), offsets.map((_, i) => String(i)));
      for (const r of all) {
        assert.ok(Math.abs(Number(r.timestamp_ms) - t0) < 60_000, `timestamp ${r.timestamp_ms}`);
      }
    },
  );

  await t.step("Read stops after max_messages", async () => {
    const s = streamOf("max");
    const first = await append(s, "0");
    for (let i = 1; i < 6; i++) await append(s, String(i));
    const some = await read(s, first + 1, 3);
    assert.deepEqual(some.map((r) => text(r.payload)), ["1", "2", "3"]);
  });

  await t.step("Read of a missing stream or past the tail returns nothing", async () => {
    assert.deepEqual(await read(streamOf("missing"), 0), []);
    const s = streamOf("tail");
    const last = await append(s, "x");
    assert.deepEqual(await read(s, last + 1), []);
  });

  await t.step(
    "Trim drops records below before_offset; Read from the middle is clamped",
    async () => {
      const s = streamOf("trim");
      const offsets: number[] = [];
      for (let i = 0; i < 10; i++) offsets.push(await append(s, `t${i}`));
      await trim(s, offsets[4]);
      const clamped = await read(s, offsets[2]);
      assert.deepEqual(
        clamped.map((r) => Number(r.offset)),
        offsets.slice(4),
        "clamped to the oldest retained",
      );
      const middle = await read(s, offsets[6], 2);
      assert.deepEqual(middle.map((r) => text(r.payload)), ["t6", "t7"]);
      // Appends continue where the stream was, not where the trim was.
      assert.equal(await append(s, "t10"), offsets[9] + 1);
      // Trimming below what is already gone changes nothing.
      await trim(s, offsets[1]);
      assert.equal((await read(s, 0)).length, 7);
    },
  );

  await t.step("an empty stream name or a negative offset is INVALID_ARGUMENT", async () => {
    await assertStatus(
      unary(c.stream, "Append", { namespace: ns, stream: "", payload: bytes("x") }, deadline()),
      status.INVALID_ARGUMENT,
    );
    await assertStatus(read(streamOf("neg"), -1), status.INVALID_ARGUMENT);
    await assertStatus(trim(streamOf("neg"), -1), status.INVALID_ARGUMENT);
  });
};
