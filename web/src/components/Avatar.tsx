import type { JSX } from "preact";
import { displayName } from "../state/users.ts";
import { colorSlot, initials } from "./format.ts";

export function Avatar({ userId, small }: { userId: string; small?: boolean }): JSX.Element {
  return (
    <span class={`avatar c${colorSlot(userId)}${small ? " small" : ""}`} aria-hidden="true">
      {initials(displayName(userId))}
    </span>
  );
}
