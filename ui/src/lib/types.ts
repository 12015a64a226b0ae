// The shapes triage_api returns and the shell takes: generated from the
// Rust types (bindings.ts), so the two cannot drift apart.
import type { ItemDto, JsonValue, LabelDto, LakeAccess } from "./bindings";

export type * from "./bindings";

/** No lake settings: blank fields, which the API leaves out. */
export function noLake(): LakeAccess {
  return { endpoint: null, region: null, profile: null, addressing: "auto" };
}

/** An item's boxes, when its label is boxes. */
export function labelBoxes(label: LabelDto | null | undefined) {
  return label && "boxes" in label ? label.boxes.annotations : null;
}

/** An item's class set, when its label is one. */
export function labelClasses(label: LabelDto | null | undefined): number[] | null {
  return label && "classes" in label ? label.classes : null;
}

/** A table row's values, by column. */
export function rowValues(item: ItemDto): Record<string, JsonValue> | null {
  const p = item.payload;
  return p && typeof p === "object" && !Array.isArray(p) ? p : null;
}
