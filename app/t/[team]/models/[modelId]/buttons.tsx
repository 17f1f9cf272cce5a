"use client";

import { useActionState } from "react";
import type { ActionState } from "@/app/_lib/action";
import { buttonClass } from "@/app/_components/ui";
import { modelAction, versionAction } from "./actions";

export function VersionButtons({ team, modelId, versionId, version, archived, evaluated }: { team: string; modelId: string; versionId: string; version: number; archived: boolean; evaluated: boolean }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(versionAction.bind(null, team, modelId), null);
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

export function ModelArchiveButton({ team, modelId, archived }: { team: string; modelId: string; archived: boolean }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(modelAction.bind(null, team, modelId), null);
  return (
    <form action={action} className="inline-flex items-center gap-2">
      <input type="hidden" name="op" value={archived ? "restore" : "archive"} />
      <button type="submit" disabled={pending} className={buttonClass.secondary}>{archived ? "Restore model" : "Archive model"}</button>
      {state && !state.ok ? <span role="alert" className="text-xs text-rose-700">{state.message}</span> : null}
    </form>
  );
}
