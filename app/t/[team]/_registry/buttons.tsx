"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { buttonClass } from "@/app/_components/ui";

// The registry's record buttons, one pair for models and datasets: the page binds the kind's server action
// (team and record id) and passes it in.
type BoundAction = (prev: ActionState, form: FormData) => Promise<ActionState>;

/** Archive or restore a version, and delete one that no evaluation used. */
export function VersionButtons({ action: bound, versionId, version, archived, evaluated }: { action: BoundAction; versionId: string; version: number; archived: boolean; evaluated: boolean }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(bound, null);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <form action={action}>
        <input type="hidden" name="versionId" value={versionId} />
        <input type="hidden" name="op" value={archived ? "restore" : "archive"} />
        <button type="submit" disabled={pending} className={buttonClass.ghost}>{archived ? "Restore" : "Archive"}</button>
      </form>
      {!evaluated ? (
        <form
          action={action}
          onSubmit={(e) => {
            if (!confirm(`Delete version ${version}? Its record is removed; the audit log keeps the event.`)) e.preventDefault();
          }}
        >
          <input type="hidden" name="versionId" value={versionId} />
          <input type="hidden" name="op" value="delete" />
          <button type="submit" disabled={pending} className="rounded-md px-2 py-1 text-sm text-rose-700 hover:bg-rose-50" aria-label={`Delete version ${version}`}>Delete</button>
        </form>
      ) : null}
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </div>
  );
}

/** Archive or restore the whole record ("model", "dataset"). */
export function ArchiveButton({ action: bound, noun, archived }: { action: BoundAction; noun: string; archived: boolean }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(bound, null);
  return (
    <form action={action} className="inline-flex items-center gap-2">
      <input type="hidden" name="op" value={archived ? "restore" : "archive"} />
      <button type="submit" disabled={pending} className={buttonClass.secondary}>{archived ? `Restore ${noun}` : `Archive ${noun}`}</button>
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </form>
  );
}
