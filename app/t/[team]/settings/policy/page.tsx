import type { Metadata } from "next";
import { teamPage } from "@/app/_lib/team";
import { Card, Table, Td, formatDateTime, Alert } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { getPolicy, listCrosswalkOverrides, listPolicyVersions } from "@/lib/compliance/policies";
import { formValues } from "@/lib/compliance/policy-form";
import { assessableControls } from "@/lib/compliance/catalog";
import { catalogForTeam } from "@/lib/compliance/team-catalogs";
import { SettingsHeader } from "../tabs";
import { OverrideForm, PolicyForm, ResetOverrideButton } from "./forms";

export const metadata: Metadata = { title: "Policy" };

export default async function PolicyPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const [active, versions, overrides] = await Promise.all([getPolicy(ctx), listPolicyVersions(ctx), listCrosswalkOverrides(ctx)]);
  const manage = can(ctx.role, "policy.manage");
  const controls = assessableControls(await catalogForTeam(ctx)).map((c) => ({ key: c.key, label: `${c.id} ${c.title}` }));
  return (
    <>
      <SettingsHeader team={ctx.team.slug} current="policy" description="Team members, roles, API access and the robustness policy." />
      <div className="space-y-6">
        <Card title={active.version ? `Robustness policy — version ${active.version}` : "Robustness policy — built-in default (not saved yet)"}>
          <p className="mb-4 text-sm text-slate-600">
            Per risk tier: which evaluations count, the thresholds they must meet, how old evidence may be, and which controls also need a reviewer&apos;s statement.
            {active.version ? <> Saved by {active.createdByLabel} on {formatDateTime(active.createdAt!)}.</> : null} Every save is a new version, recorded in the audit log.
          </p>
          {active.note && !active.version ? null : active.note ? <p className="mb-3 text-xs text-slate-500">Note: {active.note}</p> : null}
          {!manage ? <div className="mb-4"><Alert tone="blue">Only compliance reviewers and admins can change the policy. You can read it.</Alert></div> : null}
          <PolicyForm team={ctx.team.slug} values={formValues(active.policy)} readOnly={!manage} />
        </Card>
        {versions.length ? (
          <Table head={["Version", "Saved by", "When", "Changed", "Note"]} caption="Policy versions">
            {versions.map((v) => (
              <tr key={v.id}>
                <Td className="font-medium">v{v.version}{v.version === active.version ? " (active)" : ""}</Td>
                <Td>{v.createdByLabel}</Td>
                <Td className="whitespace-nowrap text-xs text-slate-500">{formatDateTime(v.createdAt)}</Td>
                <Td className="text-xs text-slate-600">{v.changed.join(", ") || (v.version === 1 ? "first version" : "—")}</Td>
                <Td className="text-xs">{v.note}</Td>
              </tr>
            ))}
          </Table>
        ) : null}
        <Card title="Evidence mapping (crosswalk) changes">
          <p className="mb-3 text-sm text-slate-600">
            Bulwark maps its evidence to controls following its default crosswalk. A team can make evidence count for more controls, change direct/supporting, or stop it counting; each change is audited and shown in the control&apos;s panel.
          </p>
          {overrides.length ? (
            <ul className="mb-4 divide-y divide-slate-100 text-sm">
              {overrides.map((o) => (
                <li key={o.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span><strong>{o.evidence}</strong> → <code className="text-xs">{o.control}</code>: {o.action === "remove" ? "does not count" : `counts as ${o.mark}`} <span className="text-slate-500">— {o.reason} ({o.createdByLabel})</span></span>
                  {manage ? <ResetOverrideButton team={ctx.team.slug} id={o.id} /> : null}
                </li>
              ))}
            </ul>
          ) : <p className="mb-4 text-sm text-slate-500">No changes: the default crosswalk applies.</p>}
          {manage ? <OverrideForm team={ctx.team.slug} controls={controls} /> : null}
        </Card>
      </div>
    </>
  );
}
