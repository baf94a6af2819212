export * from "./errors.ts";
export * from "./events.ts";
export * from "./users.ts";
export * from "./ws.ts";
export * from "./conversations.ts";
export * from "./files.ts";
export * from "./admin.ts";
export * from "./search.ts";
