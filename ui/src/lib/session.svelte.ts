// The open project and which screen shows, shared by every screen.
import type { Status } from "./types";

export type Screen = "projects" | "import" | "label" | "review" | "model" | "profile" | "export";

export const session = $state<{
  status: Status | null;
  screen: Screen;
  /** The Profile screen opens at this column or view, once. */
  profileFocus: string | null;
}>({
  status: null,
  screen: "projects",
  profileFocus: null,
});

export function percent(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? "–" : `${(x * 100).toFixed(digits)}%`;
}
