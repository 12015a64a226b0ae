import { describe, expect, it } from "vitest";
import { fromCorners, isUsable, moved, resized } from "./boxes";

const size = { width: 100, height: 80 };

describe("box geometry", () => {
  it("builds a box from corners in any order, rounded and clamped", () => {
    expect(fromCorners({ x: 30.4, y: 50.6 }, { x: 10, y: 20 }, 2, size)).toEqual({
      class_id: 2,
      left: 10,
      top: 20,
      width: 20,
      height: 31,
    });
    expect(fromCorners({ x: -5, y: -5 }, { x: 120, y: 90 }, 0, size)).toEqual({
      class_id: 0,
      left: 0,
      top: 0,
      width: 100,
      height: 80,
    });
  });

  it("moves inside the image only", () => {
    const b = { class_id: 0, left: 10, top: 10, width: 20, height: 20 };
    expect(moved(b, 5, -3, size)).toMatchObject({ left: 15, top: 7 });
    expect(moved(b, 500, 500, size)).toMatchObject({ left: 80, top: 60 });
    expect(moved(b, -500, -500, size)).toMatchObject({ left: 0, top: 0 });
  });

  it("resizes from a corner, keeping the opposite one", () => {
    const b = { class_id: 1, left: 10, top: 10, width: 20, height: 20 };
    expect(resized(b, "se", { x: 50, y: 45 }, size)).toEqual({ class_id: 1, left: 10, top: 10, width: 40, height: 35 });
    expect(resized(b, "nw", { x: 0, y: 5 }, size)).toEqual({ class_id: 1, left: 0, top: 5, width: 30, height: 25 });
    // Dragged past the opposite corner, the box flips rather than inverts.
    expect(resized(b, "se", { x: 5, y: 5 }, size)).toEqual({ class_id: 1, left: 5, top: 5, width: 5, height: 5 });
  });

  it("drops clicks that made no box", () => {
    expect(isUsable({ class_id: 0, left: 1, top: 1, width: 1, height: 9 })).toBe(false);
    expect(isUsable({ class_id: 0, left: 1, top: 1, width: 2, height: 2 })).toBe(true);
  });
});
