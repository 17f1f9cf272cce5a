"use client";

import { ButtonForm, ServerActionForm } from "@/app/_components/form-fields";
import { buttonClass, Field, inputClass } from "@/app/_components/ui";
import { addOutboundHostAction, removeOutboundHostAction } from "./actions";

export function AddOutboundHostForm({ team }: { team: string }) {
  return (
    <ServerActionForm action={addOutboundHostAction.bind(null, team)} title="Add a host" label="Add an outbound host">
      {({ values: v, errors: fe, pending }) => (
        <>
          <Field label="Host" htmlFor="ob-host" error={fe.host} hint="A host name such as models.vendor.example, *.vendor.example for its subdomains (DNS names only), or an IP address. No scheme, port or path.">
            <input id="ob-host" name="host" required maxLength={253} defaultValue={v.host ?? ""} placeholder="models.vendor.example" className={inputClass} aria-invalid={Boolean(fe.host)} aria-describedby={fe.host ? "ob-host-error" : undefined} />
          </Field>
          <Field label="Ports" htmlFor="ob-ports" error={fe.ports} hint="The only ports calls may use on this host, separated by commas (443 is https://, 80 is http://).">
            <input id="ob-ports" name="ports" required maxLength={200} defaultValue={v.ports ?? "443"} placeholder="443" className={inputClass} aria-invalid={Boolean(fe.ports)} aria-describedby={fe.ports ? "ob-ports-error" : undefined} />
          </Field>
          <div>
            <label className="flex items-start gap-2 text-sm text-slate-700">
              <input type="checkbox" name="allowPrivate" defaultChecked={v.allowPrivate === "on"} className="mt-1" aria-describedby="ob-private-hint" />
              <span>
                Allow private addresses for this host
                <span id="ob-private-hint" className="block text-xs text-slate-500">
                  Only for a named host you control (not a wildcard), and only if this instance allows private targets: lets Bulwark reach it on loopback or private (10/8, 172.16/12, 192.168/16) addresses, on the ports above. Link-local and cloud metadata addresses are never reachable. Leave off for anything on the internet.
                </span>
              </span>
            </label>
            {fe.allowPrivate ? <p role="alert" className="mt-1 text-xs text-rose-700">{fe.allowPrivate}</p> : null}
          </div>
          <button type="submit" disabled={pending} className={buttonClass.primary}>{pending ? "Adding…" : "Add host"}</button>
        </>
      )}
    </ServerActionForm>
  );
}

export function RemoveOutboundHostButton({ team, id, host }: { team: string; id: string; host: string }) {
  return (
    <ButtonForm action={removeOutboundHostAction.bind(null, team)} fields={{ id }} confirm={`Remove ${host}? Model endpoints on it can no longer be queried.`}>
      {(pending) => <button type="submit" disabled={pending} className={buttonClass.danger} aria-label={`Remove ${host}`}>Remove</button>}
    </ButtonForm>
  );
}
