import type { JSX } from "preact";
import { useRef, useState } from "preact/hooks";

type DragHandler = (e: DragEvent) => void;
export interface DropHandlers {
  onDragEnter?: DragHandler;
  onDragOver?: DragHandler;
  onDragLeave?: DragHandler;
  onDrop?: DragHandler;
}

const carriesFiles = (e: DragEvent) => !!e.dataTransfer?.types.includes("Files");

/**
 * Dropping files onto an area (the conversation, a thread): while files are dragged over it
 * `dragging` is true (for an overlay), and a drop hands them over. Text or links being dragged
 * are left alone. Enter and leave events of the area's children are counted, so the overlay
 * does not flicker as the pointer crosses them.
 */
export function useFileDrop(
  enabled: boolean,
  onFiles: (files: File[]) => void,
): { dragging: boolean; handlers: DropHandlers } {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  if (!enabled) return { dragging: false, handlers: {} };
  return {
    dragging,
    handlers: {
      onDragEnter: (e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current++;
        setDragging(true);
      },
      onDragOver: (e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer!.dropEffect = "copy";
      },
      onDragLeave: (e) => {
        if (!carriesFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      },
      onDrop: (e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.stopPropagation();
        depth.current = 0;
        setDragging(false);
        const files = [...(e.dataTransfer?.files ?? [])];
        if (files.length) onFiles(files);
      },
    },
  };
}

/** What shows over an area while files are dragged onto it. */
export function DropOverlay({ target }: { target: string }): JSX.Element {
  return (
    <div class="drop-overlay" aria-hidden="true">
      <div class="drop-card">
        <svg viewBox="0 0 24 24" width="36" height="36" focusable="false">
          <path d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5M4 15v3.5A1.5 1.5 0 0 0 5.5 20h13a1.5 1.5 0 0 0 1.5-1.5V15" />
        </svg>
        <strong>Upload to {target}</strong>
        <span>Drop files here to add them to your message</span>
      </div>
    </div>
  );
}

/**
 * A file dropped anywhere else (the sidebar, a panel that takes none) would make the browser
 * leave the app to show it: such drops do nothing instead.
 */
export function guardWindowDrops(): void {
  for (const type of ["dragover", "drop"] as const) {
    addEventListener(type, (e) => {
      if (carriesFiles(e) && !e.defaultPrevented) {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "none";
      }
    });
  }
}
