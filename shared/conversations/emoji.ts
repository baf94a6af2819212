/** A reaction is one Unicode emoji (RGI, skin tones and ZWJ sequences included) or a :short_name:. */
const UNICODE_EMOJI = /^\p{RGI_Emoji}$/v;
const SHORT_NAME = /^:[a-z0-9_+-]{1,60}:$/;

export function isValidEmoji(emoji: string): boolean {
  return SHORT_NAME.test(emoji) || UNICODE_EMOJI.test(emoji);
}

/** At most this many distinct emoji on one message (as Slack). */
export const MAX_DISTINCT_REACTIONS = 50;
