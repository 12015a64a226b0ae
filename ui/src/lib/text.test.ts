import { describe, expect, it } from "vitest";
import { highlight, opening } from "./text";

describe("highlight", () => {
  it("marks every case-insensitive match and keeps the rest", () => {
    expect(highlight("Goal! A late goal.", "goal")).toEqual([
      { text: "Goal", match: true },
      { text: "! A late ", match: false },
      { text: "goal", match: true },
      { text: ".", match: false },
    ]);
  });
  it("gives the text whole for an empty query or no match", () => {
    expect(highlight("abc", "")).toEqual([{ text: "abc", match: false }]);
    expect(highlight("abc", "x")).toEqual([{ text: "abc", match: false }]);
  });
  it("joins the parts back into the text", () => {
    const text = "aaa aa a";
    expect(highlight(text, "aa").map((p) => p.text).join("")).toBe(text);
  });
});

describe("opening", () => {
  it("keeps the first non-empty lines and cuts long ones", () => {
    expect(opening("one\n\ntwo\nthree\nfour")).toBe("one\ntwo\nthree");
    expect(opening("x".repeat(300), 3, 10)).toBe("xxxxxxxxx…");
  });
});
