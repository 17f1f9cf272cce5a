import type { Metadata } from "next";
import Link from "next/link";
import { teamPage } from "@/app/_lib/team";
import { Badge, ButtonLink, EmptyState, PageHeader, Table, Td, buttonClass, inputClass, formatDateTime } from "@/app/_components/ui";
import { icons } from "@/app/_components/icons";
import { can } from "@/lib/auth/permissions";
import { DatasetListFilterSchema, listDatasets } from "@/lib/registry/datasets";
import { FORMAT_LABELS } from "@/lib/registry/dataset-card";

export const metadata: Metadata = { title: "Datasets" };

export default async function DatasetsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const ctx = await teamPage(params);
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const filter = DatasetListFilterSchema.parse(raw);
  const datasets = await listDatasets(ctx, filter);
  const write = can(ctx.role, "dataset.write");
  const base = `/t/${ctx.team.slug}/datasets`;
  const filtered = Boolean(filter.q || filter.format || filter.archived);
  return (
    <>
      <PageHeader
        title="Datasets"
        description="Evaluation datasets with provenance, licence and personal-data facts. Each version is stored as a normalised tensor file next to the original upload."
        actions={write ? <ButtonLink href={`${base}/new`}>Register a dataset</ButtonLink> : null}
      />
      {datasets.length === 0 && !filtered ? (
        <EmptyState icon={icons.datasets("h-10 w-10")} title="No datasets yet" action={write ? <ButtonLink href={`${base}/new`}>Register a dataset</ButtonLink> : null}>
          Upload an image archive, IDX files or a CSV with its dataset card. Datasets are checked against the models they are evaluated with.
          {!write ? " Engineers and admins of this team can register datasets." : ""}
        </EmptyState>
      ) : (
        <>
          <form method="get" className="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" aria-label="Search datasets">
            <div className="min-w-56 flex-1">
              <label htmlFor="q" className="mb-1 block text-xs font-medium text-slate-600">Search</label>
              <input id="q" name="q" type="search" defaultValue={filter.q ?? ""} placeholder="Name or description" className={inputClass} />
            </div>
            <div>
              <label htmlFor="format" className="mb-1 block text-xs font-medium text-slate-600">Format</label>
              <select id="format" name="format" defaultValue={filter.format ?? ""} className={inputClass}>
                <option value="">All formats</option>
                {Object.entries(FORMAT_LABELS).map(([k, l]) => (
                  <option key={k} value={k}>{l}</option>
                ))}
              </select>
            </div>
            <label className="flex items-center gap-2 pb-2 text-sm text-slate-700">
              <input type="checkbox" name="archived" value="1" defaultChecked={Boolean(filter.archived)} className="h-4 w-4 rounded border-slate-300" />
              Include archived
            </label>
            <button type="submit" className={buttonClass.primary}>Filter</button>
            {filtered ? <Link href={base} className={buttonClass.ghost}>Clear</Link> : null}
          </form>
          {datasets.length === 0 ? (
            <p className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">No dataset matches these filters.</p>
          ) : (
            <Table head={["Dataset", "Latest version", "Format", "Samples", "Split", "Licence", "Personal data"]} caption="Registered datasets">
              {datasets.map((d) => (
                <tr key={d.id} className="hover:bg-slate-50">
                  <Td>
                    <Link href={`${base}/${d.id}`} className="font-medium text-brand-700 hover:underline">{d.name}</Link>
                    {d.archived ? <span className="ml-2 text-xs text-slate-500">(archived)</span> : null}
                    {d.description ? <div className="mt-0.5 max-w-sm truncate text-xs text-slate-500">{d.description}</div> : null}
                  </Td>
                  <Td>
                    {d.latest ? (
                      <>
                        <span className="font-medium text-slate-900">v{d.latest.version}</span>
                        <span className="text-xs text-slate-500"> of {d.versionCount}</span>
                        <div className="text-xs text-slate-500">{formatDateTime(d.latest.createdAt)}</div>
                      </>
                    ) : null}
                  </Td>
                  <Td className="text-xs">{d.latest ? FORMAT_LABELS[d.latest.format] : null}</Td>
                  <Td className="whitespace-nowrap text-xs">
                    {d.latest ? (
                      <>
                        {d.latest.sampleCount.toLocaleString("en")} × {d.latest.sampleShape.join("×")}
                        <div className="text-slate-500">{d.latest.classLabels.length} classes</div>
                      </>
                    ) : null}
                  </Td>
                  <Td className="text-xs capitalize">{d.latest?.split.toLowerCase()}</Td>
                  <Td>{d.latest ? d.latest.licence === "unknown" ? <Badge tone="red">Unknown licence</Badge> : <Badge>{d.latest.licence}</Badge> : null}</Td>
                  <Td>{d.latest ? <Badge tone={d.latest.personalData === "no" ? "green" : d.latest.personalData === "yes" ? "amber" : "red"}>{d.latest.personalData === "no" ? "None" : d.latest.personalData === "yes" ? "Yes" : "Unknown"}</Badge> : null}</Td>
                </tr>
              ))}
            </Table>
          )}
        </>
      )}
    </>
  );
}
