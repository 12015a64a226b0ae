// What a key press means on the label screen. Pure, so it is unit-tested.
import type { ClassDto } from "./types";

export type Action =
  | { kind: "label"; class: ClassDto }
  | { kind: "undo" }
  | { kind: "skip" }
  | { kind: "flag" }
  | { kind: "help" }
  | { kind: "close" }
  | { kind: "zoom"; by: number }
  | { kind: "reset-view" };

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The action for a key, or null when the key means nothing here. A class
 * is its own hotkey, else its position 1–9. */
export function actionFor(e: KeyLike, classes: ClassDto[]): Action | null {
  const key = e.key;
  if ((e.ctrlKey || e.metaKey) && key.toLowerCase() === "z") return { kind: "undo" };
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (key === "Backspace") return { kind: "undo" };
  if (key === "?") return { kind: "help" };
  if (key === "Escape") return { kind: "close" };
  if (key === "+" || key === "=") return { kind: "zoom", by: 1.25 };
  if (key === "-") return { kind: "zoom", by: 0.8 };
  if (key === "0" && !classes.some((c) => c.hotkey === "0")) return { kind: "reset-view" };
  const lower = key.length === 1 ? key.toLowerCase() : key;
  const byHotkey = classes.find((c) => c.hotkey !== null && c.hotkey === lower);
  if (byHotkey) return { kind: "label", class: byHotkey };
  if (lower === "s") return { kind: "skip" };
  if (lower === "f") return { kind: "flag" };
  if (/^[1-9]$/.test(key)) {
    const byPosition = classes[Number(key) - 1];
    if (byPosition && byPosition.hotkey === null) return { kind: "label", class: byPosition };
  }
  return null;
}

/** The key shown for a class. */
export function keyLabel(c: ClassDto, classes: ClassDto[]): string | null {
  if (c.hotkey) return c.hotkey.toUpperCase();
  const i = classes.indexOf(c);
  return i >= 0 && i < 9 ? String(i + 1) : null;
}

/** Every shortcut, for the help overlay. */
export function shortcuts(classes: ClassDto[]): [string, string][] {
  const rows: [string, string][] = classes
    .map((c): [string, string] | null => {
      const k = keyLabel(c, classes);
      return k ? [k, `label as ${c.name}`] : null;
    })
    .filter((r): r is [string, string] => r !== null);
  return [
    ...rows,
    ["Ctrl+Z / Backspace", "undo the last label"],
    ["S", "skip: come back to it later"],
    ["F", "flag for review and move on"],
    ["+ / − / 0", "zoom in, out, reset (drag to pan)"],
    ["Enter", "boxes: save this image's boxes and go on"],
    ["Delete", "boxes: remove the selected box"],
    ["?", "show or hide this help"],
  ];
}
