import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { teamPage } from "@/app/_lib/team";
import { Alert, Badge, Card, EmptyState, Table, Td, formatDateTime } from "@/app/_components/ui";
import { can } from "@/lib/auth/permissions";
import { assessableControls, FRAMEWORK_IDS } from "@/lib/compliance/catalog";
import { entriesByControl, EVIDENCE_KIND_INFO, EVIDENCE_KINDS } from "@/lib/compliance/crosswalk";
import { teamCrosswalk } from "@/lib/compliance/policies";
import { catalogForTeam, listTeamCatalogs } from "@/lib/compliance/team-catalogs";
import { SettingsHeader } from "../tabs";
import { CatalogAdminForms, MapControlForm, UploadCatalogForm, UploadMappingForm } from "./forms";

export const metadata: Metadata = { title: "Catalogs" };

// Controls listed per catalog on this page; the controls page lists them all.
const LISTED = 300;

export default async function CatalogsPage({ params }: { params: Promise<{ team: string }> }) {
  const ctx = await teamPage(params);
  const [versions, catalog, crosswalk] = await Promise.all([listTeamCatalogs(ctx), catalogForTeam(ctx), teamCrosswalk(ctx)]);
  const manage = can(ctx.role, "policy.manage");
  const admin = can(ctx.role, "catalog.manage");
  const own = catalog.frameworks.filter((f) => !(FRAMEWORK_IDS as readonly string[]).includes(f.id));
  const mapped = entriesByControl(crosswalk);
  const evidence = EVIDENCE_KINDS.filter((k) => k !== "E12").map((k) => ({ key: k, label: `${k} ${EVIDENCE_KIND_INFO[k].short}` }));
  const bundled = assessableControls(catalog).filter((c) => (FRAMEWORK_IDS as readonly string[]).includes(c.framework) && mapped.has(c.key)).map((c) => ({ key: c.key, label: `${c.id} ${c.title}` }));
  const base = `/t/${ctx.team.slug}`;
  return (
    <>
      <SettingsHeader team={ctx.team.slug} current="catalogs" description="Team members, roles, API access and the robustness policy." />
      <div className="space-y-6">
        <Card title="Your own control catalogs">
          <p className="mb-3 text-sm text-slate-600">
            Upload an internal control set as an OSCAL 1.0.6 Catalog (JSON). It becomes a framework of this team: its controls get a status for every model in the posture, the controls page, attestations, the policy, reports and the OSCAL exports, once you map Bulwark&apos;s evidence to them below. Another upload under the same id is its next version; the newest is assessed, and statuses and reports name the version they used. A catalog's mapping also comes and goes as a JSON file (download it, edit it, upload it back). Admins can roll a catalog back to an earlier version (stored as a new version, so reports that named the versions in between stay true) or delete it. Every upload, mapping change, rollback and deletion is in the audit log.
          </p>
          {!manage ? <div className="mb-3"><Alert tone="blue">Only compliance reviewers and admins can upload catalogs and change mappings.</Alert></div> : null}
          {manage ? <UploadCatalogForm team={ctx.team.slug} frameworks={own.map((f) => ({ key: f.id, label: `${f.shortName} (${f.id})` }))} /> : null}
        </Card>
        {versions.length ? (
          <Table head={["Framework", "Version", "Title", "Controls", "Catalog version", "SHA-256", "Uploaded"]} caption="Uploaded catalog versions">
            {versions.map((v) => (
              <tr key={v.id} data-catalog={v.frameworkId}>
                <Td className="font-mono text-xs">{v.frameworkId}</Td>
                <Td>v{v.version} {v.current ? <Badge tone="green">assessed</Badge> : null}{v.restoredFrom ? <span className="block text-xs text-slate-500">rollback to v{v.restoredFrom}</span> : null}</Td>
                <Td>{v.title}</Td>
                <Td>{v.controlCount}</Td>
                <Td className="text-xs">{v.catalogVersion}</Td>
                <Td className="font-mono text-xs" >{v.sha256.slice(0, 12)}…</Td>
                <Td className="whitespace-nowrap text-xs text-slate-500">{v.createdByLabel}, {formatDateTime(v.createdAt)}</Td>
              </tr>
            ))}
          </Table>
        ) : (
          <EmptyState title="No catalogs of your own yet">The bundled frameworks apply. Upload an OSCAL catalog above to assess your own controls.</EmptyState>
        )}
        {own.map((f) => {
          const controls = f.controls.filter((c) => c.kind === "control");
          const mine = versions.filter((v) => v.frameworkId === f.id);
          const assessedSha = mine.find((v) => v.current)?.sha256;
          const earlier = [...new Set(mine.filter((v) => v.sha256 !== assessedSha && !v.restoredFrom).map((v) => v.version))];
          return (
            <Card key={f.id} title={`Evidence mapping — ${f.shortName}`} actions={<div className="flex gap-3 text-sm"><Link className="text-brand-700 hover:underline" href={`${base}/controls?fw=${encodeURIComponent(f.id)}`}>Controls</Link><a className="text-brand-700 hover:underline" href={`${base}/controls/oscal/catalogs/${encodeURIComponent(f.id)}`} download>OSCAL catalog</a><a className="text-brand-700 hover:underline" href={`${base}/controls/oscal/catalogs/${encodeURIComponent(f.id)}/mapping`} download>Mapping (JSON)</a></div>}>
              <p className="mb-3 text-sm text-slate-600">Each control is satisfied by the evidence mapped to it (direct evidence decides; supporting evidence alone needs a reviewer&apos;s attestation). A control with nothing mapped can only be attested.</p>
              <Table head={["Control", "Title", "Evidence"]} caption={`Controls of ${f.shortName} and their evidence`}>
                {controls.slice(0, LISTED).map((c) => {
                  const rows = (mapped.get(c.key) ?? []).filter((e) => e.mark !== "threat");
                  return (
                    <tr key={c.key} data-control={c.key}>
                      <Td className="whitespace-nowrap font-medium">{c.id}</Td>
                      <Td>{c.title}</Td>
                      <Td className="text-xs">{rows.length ? rows.map((e) => `${e.evidence} (${e.mark})`).join(", ") : <span className="text-slate-500">nothing mapped</span>}</Td>
                    </tr>
                  );
                })}
              </Table>
              {controls.length > LISTED ? <p className="mt-2 text-xs text-slate-500">The first {LISTED} of {controls.length} controls are listed; the controls page lists them all.</p> : null}
              {manage ? <div className="mt-4"><MapControlForm team={ctx.team.slug} framework={f.id} controls={controls.map((c) => ({ key: c.key, label: `${c.id} ${c.title}`.slice(0, 120) }))} evidence={evidence} bundled={bundled} /></div> : null}
              {manage ? <div className="mt-4"><UploadMappingForm team={ctx.team.slug} framework={f.id} /></div> : null}
              {admin ? <div className="mt-4"><CatalogAdminForms team={ctx.team.slug} framework={f.id} versions={earlier} /></div> : null}
            </Card>
          );
        })}
      </div>
    </>
  );
}
