const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayFmt = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  month: "long",
  day: "numeric",
});
const dayYearFmt = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  month: "long",
  day: "numeric",
  year: "numeric",
});
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

export const formatTime = (iso: string): string => timeFmt.format(new Date(iso));
export const formatFull = (iso: string): string => fullFmt.format(new Date(iso));

/** The local calendar day of a time, as a key for day separators. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const days = Math.round((today.getTime() - that.getTime()) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return (d.getFullYear() === now.getFullYear() ? dayFmt : dayYearFmt).format(d);
}

/** Emoji for the reaction names the picker and others may use (`:tada:`). */
export const SHORTCODES: Record<string, string> = {
  ":+1:": "👍",
  ":thumbsup:": "👍",
  ":heart:": "❤️",
  ":joy:": "😂",
  ":tada:": "🎉",
  ":open_mouth:": "😮",
  ":cry:": "😢",
  ":eyes:": "👀",
  ":white_check_mark:": "✅",
  ":pray:": "🙏",
  ":fire:": "🔥",
  ":rocket:": "🚀",
  ":clap:": "👏",
  ":smile:": "😄",
};
export const emojiOf = (name: string): string => SHORTCODES[name] ?? name;

/** The picker's choices: common reactions, one Unicode emoji each (what the server accepts). */
export const PICKER = ["👍", "❤️", "😂", "🎉", "😮", "😢", "👀", "✅", "🙏", "🔥", "🚀", "👏"];

/** A stable color slot (0-7) per user, for avatars. */
export function colorSlot(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 8;
}

export function initials(name: string): string {
  const parts = name.trim().split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "?") + (parts[1]?.[0] ?? "")).toUpperCase();
}

/** A size as people read it: 512 B, 8.4 KB, 12 MB (powers of 1024, like the OS file managers). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? Math.round(v * 10) / 10 : Math.round(v)} ${units[i]}`;
}
