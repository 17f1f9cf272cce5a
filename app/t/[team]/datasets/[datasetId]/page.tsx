import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { orNotFound, teamPage } from "@/app/_lib/team";
import { Alert, Badge, ButtonLink, Card, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { BarChart } from "@/app/_components/bar-chart";
import { Digest, Facts, History, VersionStatusBadges } from "@/app/_components/registry-ui";
import { getDataset } from "@/lib/registry/datasets";
import { latestIntegrityScanOf } from "@/lib/evaluations/integrity-latest";
import { IntegrityPanel } from "./integrity-panel";
import { datasetRisks, FORMAT_LABELS } from "@/lib/registry/dataset-card";
import { formatBytes } from "@/lib/registry/format";
import { ArchiveButton } from "../../_registry/buttons";
import { recordAction, versionAction } from "../../_registry/actions";
import { FilesTable, pickVersion, RegistryCrumbs, registryScope, VersionRowEnd } from "../../_registry/page-parts";

export const metadata: Metadata = { title: "Dataset" };

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, ""));

export default async function DatasetPage({ params, searchParams }: { params: Promise<{ team: string; datasetId: string }>; searchParams: Promise<{ v?: string }> }) {
  const ctx = await teamPage(params);
  const { base, write } = registryScope(ctx, "datasets");
  const { datasetId } = await params;
  const { v } = await searchParams;
  const dataset = await orNotFound(getDataset(ctx, datasetId));
  const latest = dataset.versions[0];
  const cur = pickVersion(dataset.versions, v);
  const risks = cur ? datasetRisks(cur.card) : [];
  const scan = cur ? await latestIntegrityScanOf(ctx, cur.id) : null;
  return (
    <>
      <RegistryCrumbs base={base} label="Datasets" record={dataset} />
      <PageHeader
        title={dataset.name}
        description={cur ? `${FORMAT_LABELS[cur.format]} · ${cur.sampleCount.toLocaleString("en")} samples · ${cur.split.toLowerCase()} split` : undefined}
        actions={
          write ? (
            <>
              <ArchiveButton action={recordAction.bind(null, "datasets", ctx.team.slug, dataset.id)} noun="dataset" archived={dataset.archivedAt !== null} />
              <ButtonLink href={`${base}/new?dataset=${dataset.id}`}>Upload new version</ButtonLink>
            </>
          ) : null
        }
      />
      {dataset.archivedAt ? <div className="mb-4"><Alert tone="amber">This dataset was archived on {formatDateTime(dataset.archivedAt)}.</Alert></div> : null}
      {!cur ? (
        <Alert tone="amber">This dataset has no stored version.</Alert>
      ) : (
        <div className="space-y-6">
          {risks.length ? (
            <Alert tone="amber">
              <span className="font-medium">Compliance flags: </span>
              {risks.map((r) => r.message).join(" ")}
            </Alert>
          ) : null}
          <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
            <Card title={<span className="flex items-center gap-2">Preview · version {cur.version} <VersionStatusBadges status={cur.status} evaluatedAt={cur.evaluatedAt} latest={cur.id === latest.id} /></span>} className="lg:col-span-2">
              {cur.preview.kind === "images" ? (
                <ul className="grid grid-cols-4 gap-3 sm:grid-cols-6 md:grid-cols-8" aria-label="Sample images" data-testid="sample-grid">
                  {cur.preview.samples.map((s) => (
                    <li key={s.index} className="text-center">
                      <img
                        src={`data:image/png;base64,${s.png}`}
                        alt={`Sample ${s.index}, class ${cur.classLabels[s.label]}`}
                        className="mx-auto aspect-square w-full rounded border border-slate-200 bg-black object-contain"
                        style={{ imageRendering: "pixelated" }}
                      />
                      <span className="mt-1 block truncate text-xs text-slate-600">{cur.classLabels[s.label]}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <div className="overflow-x-auto" data-testid="sample-rows">
                  <table className="min-w-full text-xs">
                    <thead>
                      <tr>
                        {cur.preview.columns.map((c) => (
                          <th key={c} className="border-b border-slate-200 px-2 py-1 text-left font-semibold text-slate-600">{c}</th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {cur.preview.rows.map((r, i) => (
                        <tr key={i}>
                          {r.map((c, j) => (
                            <td key={j} className="border-b border-slate-100 px-2 py-1 font-mono text-slate-700">{c}</td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <p className="mt-2 text-xs text-slate-500">First {cur.preview.rows.length} rows as uploaded.</p>
                </div>
              )}
            </Card>
            <Card title="Tensor">
              <Facts
                items={[
                  ["Samples", cur.sampleCount.toLocaleString("en")],
                  ["Sample shape", <code key="s" data-testid="sample-shape">{cur.sampleShape.join(" × ")}</code>],
                  ["Value range", <span key="r" data-testid="value-range">{fmt(cur.valueMin)} .. {fmt(cur.valueMax)}</span>],
                  ["Classes", cur.classLabels.length],
                  ["Tensor digest", <Digest key="d" value={cur.tensorDigest} testId="tensor-digest" />],
                  ["Manifest digest", <Digest key="m" value={cur.manifestDigest} />],
                  ["Stored", formatBytes(cur.totalBytes)],
                ]}
              />
              {cur.featureNames.length ? <p className="mt-3 text-xs text-slate-500">Features: {cur.featureNames.join(", ")}</p> : null}
              {cur.warnings.length ? <ul className="mt-3 list-disc pl-5 text-xs text-amber-800">{cur.warnings.slice(0, 8).map((w) => <li key={w}>{w}</li>)}</ul> : null}
            </Card>
          </div>
          <Card title="Class distribution">
            <BarChart title={`Samples per class in ${dataset.name} v${cur.version}`} data={cur.classLabels.map((l, i) => ({ label: l, value: cur.classCounts[i] }))} valueLabel="samples" />
          </Card>
          <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
            <div className="space-y-6 lg:col-span-2">
              <Card
                title={`Dataset card · version ${cur.version}`}
                actions={
                  write && !cur.evaluatedAt ? (
                    <Link href={`${base}/${dataset.id}/edit?v=${cur.version}`} className="text-sm font-medium text-brand-700 hover:underline">Edit card</Link>
                  ) : cur.evaluatedAt ? (
                    <VersionStatusBadges status={cur.status} evaluatedAt={cur.evaluatedAt} latest={cur.id === latest.id} />
                  ) : null
                }
              >
                <Facts
                  items={[
                    ["Description", cur.card.description],
                    ["Source", cur.card.source],
                    ["Collected by", cur.card.collectedBy],
                    ["Collected when", cur.card.collectedWhen],
                    ["Licence", cur.card.licence === "unknown" ? <Badge key="l" tone="red">Unknown: a risk</Badge> : <Badge key="l">{cur.card.licence}</Badge>],
                    ["Personal data", <span key="p">{cur.card.personalData === "no" ? "No" : cur.card.personalData === "yes" ? "Yes" : "Unknown"}</span>],
                    ["Legal basis", cur.card.legalBasis],
                    ["Split", <span key="sp" className="capitalize">{cur.card.split}</span>],
                    [
                      "Class labels and counts",
                      <span key="c" className="flex flex-wrap gap-1" data-testid="class-counts">
                        {cur.classLabels.map((l, i) => (
                          <Badge key={l}>{l}: {cur.classCounts[i].toLocaleString("en")}</Badge>
                        ))}
                      </span>,
                    ],
                    ["Known issues", cur.card.knownIssues],
                  ]}
                />
              </Card>
              <Card title="Files">
                <FilesTable files={cur.files} href={(path) => `${base}/${dataset.id}/file?version=${cur.id}&path=${encodeURIComponent(path)}`} role={(role) => (role === "tensor" ? "normalised tensor" : "original upload")} />
              </Card>
            </div>
            <div className="space-y-6">
              <Card title="Lineage">
                {cur.trainedModels.length ? (
                  <ul className="space-y-1 text-sm">
                    {cur.trainedModels.map((m) => (
                      <li key={m.id}>
                        Trained <Link href={`/t/${ctx.team.slug}/models/${m.model.id}?v=${m.version}`} className="text-brand-700 hover:underline">{m.model.name} v{m.version}</Link>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="text-sm text-slate-500">No registered model names this version as its training data.</p>
                )}
              </Card>
              <Card title="Training-data integrity">
                <IntegrityPanel scan={scan} base={`/t/${ctx.team.slug}`} />
              </Card>
              <Card title="History">
                <History events={dataset.history} />
              </Card>
            </div>
          </div>
          <Card title={`Versions (${dataset.versions.length})`}>
            <Table head={["Version", "Uploaded", "Samples", "Tensor digest", "Status", ...(write ? [""] : [])]} caption="Versions">
              {dataset.versions.map((x) => (
                <tr key={x.id} className={x.id === cur.id ? "bg-brand-50/40" : undefined}>
                  <Td>
                    <Link href={`?v=${x.version}`} className="font-medium text-brand-700 hover:underline">v{x.version}</Link>
                  </Td>
                  <Td className="whitespace-nowrap text-xs">{formatDateTime(x.createdAt)}</Td>
                  <Td className="text-xs">{x.sampleCount.toLocaleString("en")}</Td>
                  <Td><Digest value={x.tensorDigest} /></Td>
                  <VersionRowEnd version={x} latestId={latest.id} action={write ? versionAction.bind(null, "datasets", ctx.team.slug, dataset.id) : null} />
                </tr>
              ))}
            </Table>
          </Card>
        </div>
      )}
    </>
  );
}
