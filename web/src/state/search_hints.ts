/**
 * What the search box offers while you type: the operators the server understands
 * (services/search/actions/parse_query.ts: `in:#channel`, `from:@user`, `before:`/`after:` a day,
 * `has:file`, `is:thread`, `"phrases"`), and their values from what the client already holds
 * (channel names after `in:#`, people after `from:@`, a few days after `before:`/`after:`).
 * Pure: the component passes the text, the caret and the names.
 */

/** The word the caret is in: `text.slice(start, end)`; `partial` is the part before the caret. */
export interface TokenAt {
  start: number;
  end: number;
  partial: string;
  /** The caret is inside an unclosed `"phrase`. */
  inPhrase: boolean;
}

export interface Hint {
  key: string;
  /** Replaces the token. */
  insert: string;
  label: string;
  detail: string;
  /** The token is complete: a space follows it (otherwise the caret stays for its value). */
  done: boolean;
  /** The label is a name (a person's), not search syntax. */
  plain?: boolean;
}

export interface HintContext {
  /** Channels one can search (those one is in), the one on screen first. */
  channels: readonly { name: string; is_private?: boolean }[];
  people: readonly { username: string; display_name?: string | null }[];
  /** Today, for the date suggestions (local calendar days). */
  today: Date;
}

export const MAX_HINTS = 8;

const OPERATORS: Hint[] = [
  { key: "in", insert: "in:#", label: "in:#channel", detail: "in one channel", done: false },
  { key: "from", insert: "from:@", label: "from:@person", detail: "sent by someone", done: false },
  {
    key: "before",
    insert: "before:",
    label: "before:YYYY-MM-DD",
    detail: "sent before a day",
    done: false,
  },
  {
    key: "after",
    insert: "after:",
    label: "after:YYYY-MM-DD",
    detail: "sent on or after a day",
    done: false,
  },
  { key: "has", insert: "has:file", label: "has:file", detail: "with files attached", done: true },
  { key: "is", insert: "is:thread", label: "is:thread", detail: "replies in threads", done: true },
  {
    key: "phrase",
    insert: '"',
    label: '"exact phrase"',
    detail: "these words, in this order",
    done: false,
  },
];

/** The word around the caret; quotes pair up from the start, so an odd count means a phrase. */
export function tokenAt(text: string, caret: number): TokenAt {
  const before = text.slice(0, caret);
  const inPhrase = (before.match(/"/g)?.length ?? 0) % 2 === 1;
  if (inPhrase) {
    const start = before.lastIndexOf('"');
    const close = text.indexOf('"', caret);
    return {
      start,
      end: close < 0 ? text.length : close + 1,
      partial: before.slice(start),
      inPhrase,
    };
  }
  const start = before.search(/\S*$/);
  const after = /^\S*/.exec(text.slice(caret))![0];
  return { start, end: caret + after.length, partial: before.slice(start), inPhrase };
}

const pad = (n: number) => String(n).padStart(2, "0");
/** A local calendar day as the server reads it: YYYY-MM-DD. */
export const isoDay = (d: Date): string =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

function daysAgo(today: Date, n: number): Date {
  return new Date(today.getFullYear(), today.getMonth(), today.getDate() - n);
}

/** Whether `v` is a day the server takes (YYYY-MM-DD, a real one). */
export function isDay(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

function rank<T>(items: readonly T[], keys: (x: T) => string[], q: string): T[] {
  const score = (x: T) => {
    const ks = keys(x).map((k) => k.toLowerCase());
    if (ks.some((k) => k.startsWith(q))) return 0;
    if (ks.some((k) => k.split(/[\s._-]+/).some((w) => w.startsWith(q)))) return 1;
    if (ks.some((k) => k.includes(q))) return 2;
    return -1;
  };
  return items.map((x, i) => ({ x, i, s: score(x) })).filter((e) => e.s >= 0)
    .sort((a, b) => a.s - b.s || a.i - b.i).map((e) => e.x);
}

/** Operators already in the query that make sense once (`has:file`, `is:thread`). */
function present(text: string): Set<string> {
  const out = new Set<string>();
  for (const t of text.match(/"[^"]*"|\S+/g) ?? []) {
    const low = t.toLowerCase();
    if (low === "has:file") out.add("has");
    if (low === "is:thread") out.add("is");
  }
  return out;
}

/** The suggestions for the caret's position (none: nothing worth offering). */
export function searchHints(text: string, caret: number, ctx: HintContext): Hint[] {
  const tok = tokenAt(text, caret);
  if (tok.inPhrase) {
    return tok.partial.length > 1 && !text.slice(tok.start + 1).includes('"')
      ? [{
        key: "close",
        insert: `${tok.partial}"`,
        label: `${tok.partial}"`,
        detail: "close the quote: this exact phrase",
        done: true,
      }]
      : [];
  }
  const p = tok.partial;
  const low = p.toLowerCase();
  const op = /^(in|from|before|after|has|is):(.*)$/i.exec(p);
  if (!op) {
    // A bare word: the operators it could be the start of (all of them for an empty word).
    const have = present(text);
    return OPERATORS.filter((o) =>
      !have.has(o.key) && (low === "" || (o.insert.startsWith(low) && low !== o.insert))
    );
  }
  const name = op[1]!.toLowerCase();
  const value = op[2]!;
  const v = value.toLowerCase();
  const keep = (hs: Hint[]) => hs.filter((h) => h.insert.toLowerCase() !== low).slice(0, MAX_HINTS);
  switch (name) {
    case "in": {
      const q = v.replace(/^#/, "");
      return keep(
        rank(ctx.channels, (c) => [c.name], q).map((c) => ({
          key: `in:${c.name}`,
          insert: `in:#${c.name}`,
          label: `${c.is_private ? "🔒" : "#"}${c.name}`,
          detail: c.is_private ? "private channel" : "channel",
          done: true,
        })),
      );
    }
    case "from": {
      const q = v.replace(/^@/, "");
      return keep(
        rank(ctx.people, (u) => [u.username, u.display_name ?? ""], q).map((u) => ({
          key: `from:${u.username}`,
          insert: `from:@${u.username}`,
          label: u.display_name || u.username,
          detail: `@${u.username}`,
          done: true,
          plain: true,
        })),
      );
    }
    case "before":
    case "after": {
      if (isDay(value)) return [];
      const days: [string, Date][] = [
        ["today", daysAgo(ctx.today, 0)],
        ["yesterday", daysAgo(ctx.today, 1)],
        ["a week ago", daysAgo(ctx.today, 7)],
        [
          "a month ago",
          new Date(ctx.today.getFullYear(), ctx.today.getMonth() - 1, ctx.today.getDate()),
        ],
        ["this year", new Date(ctx.today.getFullYear(), 0, 1)],
      ];
      return keep(
        days.map(([what, d]) => ({ what, day: isoDay(d) }))
          .filter((x) => x.day.startsWith(value) || (v !== "" && x.what.startsWith(v)))
          .map((x) => ({
            key: `${name}:${x.what}`,
            insert: `${name}:${x.day}`,
            label: `${name}:${x.day}`,
            detail: x.what,
            done: true,
          })),
      );
    }
    case "has":
      return keep(OPERATORS.filter((o) => o.key === "has" && "file".startsWith(v)));
    case "is":
      return keep(OPERATORS.filter((o) => o.key === "is" && "thread".startsWith(v)));
  }
  return [];
}

/** The text with the caret's token replaced by the hint, and where the caret goes. */
export function applyHint(
  text: string,
  caret: number,
  hint: Hint,
): { text: string; caret: number } {
  const tok = tokenAt(text, caret);
  const head = text.slice(0, tok.start) + hint.insert;
  const rest = text.slice(tok.end);
  if (!hint.done) return { text: head + rest, caret: head.length };
  return { text: `${head} ${rest.replace(/^ +/, "")}`, caret: head.length + 1 };
}
