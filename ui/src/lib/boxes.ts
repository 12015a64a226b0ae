// Box geometry for the detection editor, in image pixels, as Ground Truth's
// bounding-box output holds it. Pure, so it is unit-tested.

export interface Box {
  class_id: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

export type Handle = "nw" | "ne" | "sw" | "se";

/** A box from two corners, in whole pixels, clamped to the image. */
export function fromCorners(
  a: { x: number; y: number },
  b: { x: number; y: number },
  classId: number,
  size: { width: number; height: number },
): Box {
  const clampX = (v: number) => Math.min(size.width, Math.max(0, Math.round(v)));
  const clampY = (v: number) => Math.min(size.height, Math.max(0, Math.round(v)));
  const x0 = clampX(Math.min(a.x, b.x));
  const x1 = clampX(Math.max(a.x, b.x));
  const y0 = clampY(Math.min(a.y, b.y));
  const y1 = clampY(Math.max(a.y, b.y));
  return { class_id: classId, left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

/** The box moved by (dx, dy), kept inside the image. */
export function moved(b: Box, dx: number, dy: number, size: { width: number; height: number }): Box {
  const left = Math.min(size.width - b.width, Math.max(0, Math.round(b.left + dx)));
  const top = Math.min(size.height - b.height, Math.max(0, Math.round(b.top + dy)));
  return { ...b, left, top };
}

/** The box with one corner dragged to `p`; the opposite corner stays. */
export function resized(b: Box, handle: Handle, p: { x: number; y: number }, size: { width: number; height: number }): Box {
  const right = b.left + b.width;
  const bottom = b.top + b.height;
  const fixed = {
    x: handle === "nw" || handle === "sw" ? right : b.left,
    y: handle === "nw" || handle === "ne" ? bottom : b.top,
  };
  return fromCorners(fixed, p, b.class_id, size);
}

/** Boxes too small to mean anything (a click, not a drag) are dropped. */
export function isUsable(b: Box): boolean {
  return b.width >= 2 && b.height >= 2;
}
