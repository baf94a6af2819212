/**
 * What a search box's text means: words, "quoted phrases" and the operators `in:#channel`
 * (or a channel id), `from:@user` (or a user id), `before:`/`after:` (dates, YYYY-MM-DD or ISO),
 * `has:file` and `is:thread` — Slack's and Mattermost's syntax. Unknown operators and
 * unbalanced quotes are read as plain words, never as errors: a search box should not refuse.
 */
export interface ParsedQuery {
  terms: string[];
  phrases: string[];
  in: string[];
  from: string[];
  before?: string;
  after?: string;
  hasFile: boolean;
  isThread: boolean;
}

const OPERATOR = /^(in|from|before|after|has|is):(.+)$/i;

export function parseQuery(q: string): ParsedQuery {
  const out: ParsedQuery = {
    terms: [],
    phrases: [],
    in: [],
    from: [],
    hasFile: false,
    isThread: false,
  };
  const tokens = q.match(/"[^"]*"|\S+/g) ?? [];
  for (const raw of tokens) {
    if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
      const phrase = raw.slice(1, -1).trim().replace(/\s+/g, " ");
      if (phrase) out.phrases.push(phrase);
      continue;
    }
    const op = OPERATOR.exec(raw);
    if (op) {
      const [, name, value] = op as unknown as [string, string, string];
      switch (name.toLowerCase()) {
        case "in":
          out.in.push(value.replace(/^#/, ""));
          continue;
        case "from":
          out.from.push(value.replace(/^@/, ""));
          continue;
        case "before":
          out.before = value;
          continue;
        case "after":
          out.after = value;
          continue;
        case "has":
          if (value.toLowerCase() === "file") {
            out.hasFile = true;
            continue;
          }
          break;
        case "is":
          if (value.toLowerCase() === "thread") {
            out.isThread = true;
            continue;
          }
          break;
      }
    }
    const word = raw.replace(/^"+|"+$/g, "");
    if (word) out.terms.push(word);
  }
  return out;
}
