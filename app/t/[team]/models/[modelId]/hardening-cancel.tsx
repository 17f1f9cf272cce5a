"use client";

import { buttonClass } from "@/app/_components/ui";
import { ButtonForm } from "@/app/_components/form-fields";
import { cancelHardeningAction } from "./harden/actions";

export function CancelHardeningButton({ team, modelId, runId }: { team: string; modelId: string; runId: string }) {
  return (
    <ButtonForm action={cancelHardeningAction.bind(null, team, modelId)} fields={{ runId }} confirm="Cancel this hardening run? A running one stops after its current batch; no version is registered.">
      {(pending) => <button type="submit" disabled={pending} className={`${buttonClass.danger} whitespace-nowrap`}>{pending ? "Cancelling…" : "Cancel run"}</button>}
    </ButtonForm>
  );
}
