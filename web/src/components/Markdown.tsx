import type { JSX } from "preact";
import { renderMarkdown } from "../markdown/render.ts";

/** A message body: markdown rendered and sanitized (markdown/render.ts), never raw. */
export function Markdown({ text }: { text: string }): JSX.Element {
  return <div class="md" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />;
}
