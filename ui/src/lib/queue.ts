// The label screen's queue: items fetched ahead so the next one shows at
// once, the items skipped this session, and what to ask the shell for.
import type { ItemDto } from "./types";

export class LabelQueue {
  items: ItemDto[] = [];
  skipped = new Set<number>();
  /** Items labeled here whose commit is still in flight: never fetched
   * again. Once committed the store no longer offers them, so the set
   * stays small however long the session. */
  private done = new Set<number>();

  constructor(
    readonly ahead = 12,
    readonly refillBelow = 6,
  ) {}

  get current(): ItemDto | undefined {
    return this.items[0];
  }

  /** Ids the next fetch must leave out. */
  exclude(): number[] {
    return [...this.skipped, ...this.done, ...this.items.map((i) => i.id)];
  }

  needsRefill(): boolean {
    return this.items.length < this.refillBelow;
  }

  /** How many to fetch to be `ahead` items ahead again. */
  wanted(): number {
    return Math.max(0, this.ahead - this.items.length);
  }

  /** Adds fetched items, dropping any already here, labeled or skipped. */
  add(fetched: ItemDto[]): void {
    const known = new Set(this.exclude());
    for (const item of fetched) {
      if (!known.has(item.id)) {
        this.items.push(item);
        known.add(item.id);
      }
    }
  }

  /** The current item was labeled: move on. */
  labeled(): ItemDto | undefined {
    const item = this.items.shift();
    if (item) this.done.add(item.id);
    return item;
  }

  /** A label's commit landed: the store leaves the item out from now on. */
  committed(id: number): void {
    this.done.delete(id);
  }

  /** Skip the current item for this session. */
  skip(): ItemDto | undefined {
    const item = this.items.shift();
    if (item) this.skipped.add(item.id);
    return item;
  }

  /** An undone item comes back to the front. */
  putBack(item: ItemDto): void {
    this.done.delete(item.id);
    this.items = [item, ...this.items.filter((i) => i.id !== item.id)];
  }
}
