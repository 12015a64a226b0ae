/** A piece of a text, and whether it matches the search. */
export type TextPart = { text: string; match: boolean };

/**
 * Splits `text` around every case-insensitive occurrence of `query`, so a
 * view can mark the matches; an empty query gives the text whole.
 */
export function highlight(text: string, query: string): TextPart[] {
  const q = query.toLowerCase();
  if (!q) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const parts: TextPart[] = [];
  let at = 0;
  // Lowercasing can change a string's length (İ → i̇); then positions would
  // not line up, so such texts are searched without marks.
  if (lower.length !== text.length) return [{ text, match: false }];
  for (let i = lower.indexOf(q); i !== -1; i = lower.indexOf(q, i + q.length)) {
    if (i > at) parts.push({ text: text.slice(at, i), match: false });
    parts.push({ text: text.slice(i, i + q.length), match: true });
    at = i + q.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}

/** The opening lines of a text, for a card: at most `lines` lines and `chars` characters. */
export function opening(text: string, lines = 3, chars = 240): string {
  const head = text.split(/\r?\n/).filter((l) => l.trim()).slice(0, lines).join("\n");
  return head.length > chars ? `${head.slice(0, chars - 1)}…` : head;
}
