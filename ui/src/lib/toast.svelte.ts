// Toasts: every error reaches the person, with its code; nothing fails
// silently.
import type { CommandError } from "./types";

export interface Toast {
  id: number;
  kind: "error" | "info";
  text: string;
  code?: string;
}

let next = 1;
export const toasts = $state<Toast[]>([]);

export function notify(text: string, kind: Toast["kind"] = "info", code?: string): void {
  const id = next++;
  toasts.push({ id, kind, text, code });
  setTimeout(() => dismiss(id), kind === "error" ? 8000 : 3500);
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}

/** Shows a failed command; returns null so callers can `?? fallback`. */
export function fail(e: unknown): null {
  const err = e as Partial<CommandError> | string;
  if (typeof err === "string") notify(err, "error");
  else notify(err.message ?? String(e), "error", err.code);
  return null;
}
