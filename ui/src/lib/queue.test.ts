import { describe, expect, it } from "vitest";
import { LabelQueue } from "./queue";
import type { ItemDto } from "./types";

const item = (id: number): ItemDto => ({
  id,
  kind: "image",
  uri: `/d/${id}.png`,
  external_id: null,
  row_index: null,
  width: 8,
  height: 8,
  thumbnail: null,
  image: `/d/${id}.png`,
  payload: null,
  text: null,
  label: null,
});

describe("LabelQueue", () => {
  it("moves on when labeled and never takes a labeled item back from a fetch", () => {
    const q = new LabelQueue(4, 2);
    q.add([item(1), item(2), item(3)]);
    expect(q.current?.id).toBe(1);
    expect(q.labeled()?.id).toBe(1);
    expect(q.current?.id).toBe(2);
    // A fetch that raced the commit returns item 1 again: it is dropped.
    q.add([item(1), item(2), item(4)]);
    expect(q.items.map((i) => i.id)).toEqual([2, 3, 4]);
    expect(q.exclude().sort()).toEqual([1, 2, 3, 4]);
  });

  it("stops excluding an item once its label is committed", () => {
    const q = new LabelQueue(4, 2);
    q.add([item(1), item(2)]);
    q.labeled();
    expect(q.exclude()).toContain(1);
    q.committed(1);
    expect(q.exclude()).not.toContain(1);
    expect(q.exclude()).toEqual([2]);
  });

  it("keeps skipped items out for the session", () => {
    const q = new LabelQueue(4, 2);
    q.add([item(1), item(2)]);
    expect(q.skip()?.id).toBe(1);
    q.add([item(1), item(3)]);
    expect(q.items.map((i) => i.id)).toEqual([2, 3]);
    expect(q.skipped.has(1)).toBe(true);
  });

  it("puts an undone item back in front, once", () => {
    const q = new LabelQueue(4, 2);
    q.add([item(1), item(2)]);
    const first = q.labeled()!;
    q.putBack(first);
    expect(q.items.map((i) => i.id)).toEqual([1, 2]);
    q.putBack(first);
    expect(q.items.map((i) => i.id)).toEqual([1, 2]);
    expect(q.exclude()).not.toContain(undefined);
  });

  it("asks for a refill below the mark, up to the look-ahead", () => {
    const q = new LabelQueue(5, 3);
    expect(q.needsRefill()).toBe(true);
    expect(q.wanted()).toBe(5);
    q.add([item(1), item(2), item(3)]);
    expect(q.needsRefill()).toBe(false);
    expect(q.wanted()).toBe(2);
  });
});
