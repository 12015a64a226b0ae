import { describe, expect, it } from "vitest";
import { actionFor, keyLabel, shortcuts } from "./keys";
import type { ClassDto } from "./types";

const cls = (index: number, name: string, hotkey: string | null): ClassDto => ({
  index,
  name,
  hotkey,
  colour: "#000",
});

describe("actionFor", () => {
  const classes = [cls(0, "cat", "1"), cls(1, "dog", "d"), cls(2, "bird", null)];

  it("labels by hotkey, case-insensitively, and by position when a class has none", () => {
    expect(actionFor({ key: "1" }, classes)).toEqual({ kind: "label", class: classes[0] });
    expect(actionFor({ key: "D" }, classes)).toEqual({ kind: "label", class: classes[1] });
    expect(actionFor({ key: "3" }, classes)).toEqual({ kind: "label", class: classes[2] });
    // Position 2 belongs to "dog", which has its own key.
    expect(actionFor({ key: "2" }, classes)).toBeNull();
  });

  it("maps undo, skip, flag and help", () => {
    expect(actionFor({ key: "z", ctrlKey: true }, classes)).toEqual({ kind: "undo" });
    expect(actionFor({ key: "Z", metaKey: true }, classes)).toEqual({ kind: "undo" });
    expect(actionFor({ key: "Backspace" }, classes)).toEqual({ kind: "undo" });
    expect(actionFor({ key: "s" }, classes)).toEqual({ kind: "skip" });
    expect(actionFor({ key: "F" }, classes)).toEqual({ kind: "flag" });
    expect(actionFor({ key: "?" }, classes)).toEqual({ kind: "help" });
  });

  it("ignores other modified keys and unknown keys", () => {
    expect(actionFor({ key: "1", ctrlKey: true }, classes)).toBeNull();
    expect(actionFor({ key: "q" }, classes)).toBeNull();
    expect(actionFor({ key: "Enter" }, classes)).toBeNull();
  });

  it("uses 0 for a class that owns it, else to reset the view", () => {
    expect(actionFor({ key: "0" }, classes)).toEqual({ kind: "reset-view" });
    const ten = [...classes, cls(3, "fish", "0")];
    expect(actionFor({ key: "0" }, ten)).toEqual({ kind: "label", class: ten[3] });
  });
});

describe("shortcuts", () => {
  it("lists every class key and every action", () => {
    const classes = [cls(0, "cat", "c"), cls(1, "dog", null)];
    expect(keyLabel(classes[0], classes)).toBe("C");
    expect(keyLabel(classes[1], classes)).toBe("2");
    const rows = shortcuts(classes);
    expect(rows[0]).toEqual(["C", "label as cat"]);
    expect(rows[1]).toEqual(["2", "label as dog"]);
    expect(rows.map((r) => r[0])).toContain("S");
    expect(rows.map((r) => r[0])).toContain("?");
  });
});
