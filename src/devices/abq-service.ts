// Whether the ABQ service runs on this process (Carbonio's `doStopService abq`, carbonio-features.md 3.6).
// The service-control part of issue 15 owns that state; it installs its check here with
// setAbqServiceCheck. Until then (and by default) ABQ runs. A stopped service skips every ABQ check: all
// devices sync their real mailbox, as with abqMode Disabled, and nothing is recorded.
let check: () => boolean = () => true;

export function setAbqServiceCheck(fn: () => boolean): void {
  check = fn;
}

export function abqServiceRunning(): boolean {
  return check();
}
