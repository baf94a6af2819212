/**
 * Opens `${wsBase}/ws`, sends `first` (a frame object, or raw text; nothing if omitted), and
 * reports the server's first frame or, if it closes first, the close code; `{}` if neither comes
 * within `waitMs`.
 */
export function firstReply(
  wsBase: string,
  first?: unknown,
  waitMs = 8_000,
): Promise<{ frame?: Record<string, unknown>; close?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsBase}/ws`);
    const timer = setTimeout(() => {
      ws.close();
      resolve({});
    }, waitMs);
    ws.onopen = () =>
      first !== undefined && ws.send(typeof first === "string" ? first : JSON.stringify(first));
    ws.onmessage = (e) => {
      clearTimeout(timer);
      resolve({ frame: JSON.parse(e.data) });
      ws.close();
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      resolve({ close: e.code });
    };
  });
}
