import type { JSX } from "preact";
import { endpoints } from "../api/endpoints.ts";
import { typingIn } from "../realtime/events.ts";
import { timeline } from "../state/messages.ts";
import {
  attempt,
  focusComposer,
  membersOpen,
  panelsOverlay,
  search,
  sidebarOpen,
} from "../state/ui.ts";
import { displayName } from "../state/users.ts";
import {
  conversationName,
  current,
  currentChannel,
  currentDm,
  refreshChannels,
} from "../state/workspace.ts";
import { addUploads } from "../state/uploads.ts";
import { Composer } from "./Composer.tsx";
import { DropOverlay, useFileDrop } from "./FileDrop.tsx";
import { MessageList } from "./MessageList.tsx";
import { SearchBox } from "./SearchBox.tsx";

function Header() {
  const ch = currentChannel.value;
  const dm = currentDm.value;
  const title = conversationName(current.value);
  return (
    <header class="conv-head">
      <button
        type="button"
        class="icon-button menu-toggle"
        aria-label="Show conversations"
        aria-expanded={sidebarOpen.value}
        onClick={() => (sidebarOpen.value = !sidebarOpen.value)}
      >
        ☰
      </button>
      <div class="conv-title">
        <h1>
          {ch?.is_private && <span class="lock" role="img" aria-label="Private channel">🔒</span>}
          {ch ? `${ch.is_private ? "" : "#"}${ch.name}` : title}
          {ch?.archived_at && <span class="tag">archived</span>}
        </h1>
        {ch?.description && <p class="description" title={ch.description}>{ch.description}</p>}
        {dm && dm.participant_ids.length > 2 && (
          <p class="description">{dm.participant_ids.length} people</p>
        )}
      </div>
      {!(search.value && panelsOverlay.value) && <SearchBox />}
      {ch && (
        <button
          type="button"
          class={`button members-button${membersOpen.value && !search.value ? " active" : ""}`}
          aria-pressed={membersOpen.value && !search.value}
          aria-label={`Members (${ch.member_count})`}
          onClick={() => {
            membersOpen.value = !membersOpen.value || !!search.value;
            search.value = null;
          }}
        >
          👥 {ch.member_count}
        </button>
      )}
    </header>
  );
}

function TypingLine({ id }: { id: string }) {
  const who = typingIn(id).map(displayName);
  return (
    <p class="typing" aria-live="polite">
      {who.length === 0
        ? ""
        : who.length === 1
        ? `${who[0]} is typing…`
        : `${who.slice(0, -1).join(", ")} and ${who.at(-1)} are typing…`}
    </p>
  );
}

/** Header, history and composer of the conversation on screen; files dropped on it upload. */
export function Conversation(): JSX.Element {
  const conv = current.value;
  const ch = currentChannel.value;
  const readOnly = !!ch?.archived_at;
  const notMember = ch !== undefined && ch.role === null;
  const drop = useFileDrop(!!conv && !readOnly && !notMember, (files) => {
    if (!conv) return;
    addUploads(conv, null, files);
    focusComposer.value++;
  });
  if (!conv) {
    return (
      <main class="conversation empty">
        <p class="muted">Pick a channel or a person on the left to start.</p>
      </main>
    );
  }
  const name = conversationName(conv);
  return (
    <main class="conversation" aria-label={name} {...drop.handlers}>
      {drop.dragging && <DropOverlay target={name} />}
      <Header />
      <MessageList
        conv={conv}
        label={`Messages in ${name}`}
        intro={conv.kind === "channel"
          ? `This is the very beginning of ${name}.`
          : `This is the very beginning of your conversation with ${name}.`}
      />
      <TypingLine id={conv.id} />
      {readOnly
        ? <p class="notice-bar">This channel is archived: you can read it, not write in it.</p>
        : notMember
        ? (
          <div class="notice-bar">
            <span>You are viewing {name}.</span>
            <button
              type="button"
              class="button primary"
              onClick={() =>
                attempt(async () => {
                  await endpoints.joinChannel(conv.id);
                  await refreshChannels();
                  focusComposer.value++;
                })}
            >
              Join channel
            </button>
          </div>
        )
        : (
          <Composer
            conv={conv}
            label={`Message ${name}`}
            placeholder={`Message ${name}`}
            ownMessages={() => timeline(conv).value.messages}
            autoFocus
          />
        )}
    </main>
  );
}
