import type { Metadata } from "next";
import { ModelEvaluationsSection } from "../../evaluations/model-section";
import Link from "@/app/_components/link";
import { orNotFound, teamPage } from "@/app/_lib/team";
import { Alert, Badge, ButtonLink, Card, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { Digest, Facts, History, RiskBadge, VersionStatusBadges } from "@/app/_components/registry-ui";
import { getModel } from "@/lib/registry/models";
import { describeTrainingCost, describeTrainingMethod, TASK_LABELS } from "@/lib/registry/model-card";
import { formatBytes } from "@/lib/registry/format";
import { ArchiveButton } from "../../_registry/buttons";
import { recordAction, versionAction } from "../../_registry/actions";
import { FilesTable, pickVersion, RegistryCrumbs, registryScope, VersionRowEnd } from "../../_registry/page-parts";
import { ENDPOINT_FORMAT, getEndpointSummary } from "@/lib/registry/endpoints";
import { listDatasetVersionOptions } from "@/lib/registry/datasets";
import { TestConnectionForm } from "../endpoint/form";
import { ENSEMBLE_FORMAT } from "@/lib/registry/ensemble-guards";
import { ENSEMBLE_COMBINE_LABELS } from "@/lib/registry/model-card";
import { CompareVersionsSection } from "./compare-section";
import { can } from "@/lib/auth/permissions";
import { hardeningRefusal } from "@/lib/hardening/queries";
import { listHardeningRuns, versionLineage } from "@/lib/hardening/read";
import { HardeningSection, hardenedFacts } from "./hardening-section";

export const metadata: Metadata = { title: "Model" };

interface EngineInfo {
  backend?: string;
  parameters?: number;
  layerTypes?: string[];
  warnings?: string[];
  droppedSoftmax?: boolean;
  ignoredFiles?: string[];
}

export default async function ModelPage({ params, searchParams }: { params: Promise<{ team: string; modelId: string }>; searchParams: Promise<{ v?: string; compare?: string }> }) {
  const ctx = await teamPage(params);
  const { base, write } = registryScope(ctx, "models");
  const { modelId } = await params;
  const { v, compare } = await searchParams;
  const model = await orNotFound(getModel(ctx, modelId));
  const latest = model.versions[0];
  const current = pickVersion(model.versions, v);
  const card = current?.card;
  const info = (current?.engineInfo ?? {}) as EngineInfo;
  // A version served over HTTP has an endpoint instead of files, and a connection test instead of a load check.
  const endpoint = current?.format === ENDPOINT_FORMAT ? await getEndpointSummary(ctx, current.id) : null;
  const testDatasets = endpoint && write ? await listDatasetVersionOptions(ctx) : [];
  const ensemble = current?.format === ENSEMBLE_FORMAT ? current.card.ensemble ?? null : null;
  const usedBy = current?.memberOf.map((m) => m.ensemble) ?? [];
  const runs = (await listHardeningRuns(ctx, { modelId: model.id, limit: 50 })).data;
  const hardenedBy = new Map(runs.flatMap((r) => (r.hardenedVersion ? [[r.hardenedVersion.id, r] as const] : [])));
  const lineage = current ? await versionLineage(ctx, current.id) : null;
  const canHarden = current && can(ctx.role, "evaluation.run") && current.status !== "ARCHIVED" && hardeningRefusal(current.format) === null;
  return (
    <>
      <RegistryCrumbs base={base} label="Models" record={model} />
      <PageHeader
        title={model.name}
        description={model.description || undefined}
        actions={
          <>
            {current && (current.format === "tfjs-layers" || current.format === "onnx") ? <ButtonLink href={`${base}/${model.id}/explore?v=${current.version}`} variant="secondary">Explore v{current.version}</ButtonLink> : null}
            {canHarden ? <ButtonLink href={`${base}/${model.id}/harden?v=${current.version}`} variant="secondary">Harden v{current.version}</ButtonLink> : null}
          {write ? (
            <>
              <ArchiveButton action={recordAction.bind(null, "models", ctx.team.slug, model.id)} noun="model" archived={model.archivedAt !== null} />
              {latest?.format === ENDPOINT_FORMAT ? null : <ButtonLink href={`${base}/${model.id}/ensemble`} variant="secondary">New ensemble version</ButtonLink>}
              {latest?.format === ENDPOINT_FORMAT ? <ButtonLink href={`${base}/endpoint?model=${model.id}`}>Add endpoint version</ButtonLink> : <ButtonLink href={`${base}/new?model=${model.id}`}>Upload new version</ButtonLink>}
            </>
          ) : null}
          </>
        }
      />
      {model.archivedAt ? <div className="mb-4"><Alert tone="amber">This model was archived on {formatDateTime(model.archivedAt)}. Its versions stay readable.</Alert></div> : null}
      {!current || !card ? (
        <Alert tone="amber">This model has no stored version.</Alert>
      ) : (
        // grid-cols-1 (a minmax(0, 1fr) track), not the implicit auto track: that one widened to the widest table's
        // min-content and the page scrolled sideways on a phone; the tables scroll inside their own box instead.
        <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
          <div className="space-y-6 lg:col-span-2">
            <Card
              title={
                <span className="flex items-center gap-2">
                  Model card · version {current.version} <VersionStatusBadges status={current.status} evaluatedAt={current.evaluatedAt} latest={current.id === latest.id} />
                </span>
              }
              actions={
                write && !current.evaluatedAt ? (
                  <Link href={`${base}/${model.id}/edit?v=${current.version}`} className="text-sm font-medium text-brand-700 hover:underline">Edit card</Link>
                ) : null
              }
            >
              <Facts
                items={[
                  ["Task", TASK_LABELS[card.task]],
                  ["Risk tier", <RiskBadge key="r" tier={current.riskTier} />],
                  ["Owner", card.owner],
                  ["Input shape", <code key="s">{card.inputShape.join(" × ")}</code>],
                  ["Input value range", `${card.inputRange.min} .. ${card.inputRange.max}`],
                  ["Preprocessing", `${card.preprocessing.scale === 1 && card.preprocessing.offset === 0 ? "None (values used as they are)" : `value × ${card.preprocessing.scale} + ${card.preprocessing.offset}`}${card.normalization ? `, then (value − mean) / std per channel: mean ${card.normalization.mean.join(", ")}; std ${card.normalization.std.join(", ")}` : ""}${card.preprocessingNote ? `\n${card.preprocessingNote}` : ""}`],
                  ...(current.format === "onnx" ? [["Model input", `ONNX, ${card.inputLayout === "NCHW" ? "channels first (NCHW)" : "channels last (NHWC)"}${card.dimensions ? `; dynamic dimensions fixed: ${Object.entries(card.dimensions).map(([k, v]) => `${k} = ${v}`).join(", ")}` : ""}`] as [string, string]] : []),
                  [
                    `Class labels (${card.classLabels.length})`,
                    <span key="l" className="flex flex-wrap gap-1" data-testid="class-labels">
                      {card.classLabels.map((l) => (
                        <Badge key={l}>{l}</Badge>
                      ))}
                    </span>,
                  ],
                  ["Intended use", card.intendedUse],
                  ["Out-of-scope use", card.outOfScopeUse],
                  [
                    "Training data",
                    current.trainingDatasetVersion ? (
                      <Link key="td" href={`/t/${ctx.team.slug}/datasets/${current.trainingDatasetVersion.dataset.id}?v=${current.trainingDatasetVersion.version}`} className="text-brand-700 hover:underline">
                        {current.trainingDatasetVersion.dataset.name} v{current.trainingDatasetVersion.version}
                      </Link>
                    ) : (
                      "Not registered"
                    ),
                  ],
                  ["Training method", describeTrainingMethod(card.trainingMethod)],
                  ["Training cost", describeTrainingCost(card.trainingCost) ?? "Not recorded"],
                  ...hardenedFacts(lineage),
                  ["Stated clean accuracy", card.statedAccuracy !== undefined ? `${+(card.statedAccuracy * 100).toPrecision(4)}% (the owner's figure; evaluations far below it are flagged)` : "Not stated"],
                  ["Known limitations", card.knownLimitations],
                ]}
              />
            </Card>
            {endpoint ? (
              <Card title="Endpoint (black-box: queried, never loaded)">
                <Facts
                  items={[
                    ["URL", <code key="u" className="break-all text-xs">{endpoint.method} {endpoint.url}</code>],
                    ["Authentication", endpoint.authKind === "none" ? "None" : `${endpoint.authKind === "bearer" ? "Bearer token" : `Header ${endpoint.authHeader}`} — ${endpoint.credentialStored ? "stored encrypted, never shown" : "missing"}`],
                    ["Request template", <code key="t" className="break-all text-xs">{endpoint.requestTemplate}</code>],
                    ["Answer", `${endpoint.responseMapping.kind === "scores" ? "Class scores" : "Predicted label only"} at ${endpoint.responseMapping.path || "the top level"}`],
                    ["Limits", `${endpoint.batchSize} inputs per request, ${endpoint.requestsPerSecond} requests/s, ${endpoint.concurrency} at once, timeout ${endpoint.timeoutMs} ms, ${endpoint.maxRetries} retries`],
                  ]}
                />
                <p className="mt-3 text-sm text-slate-600">Configuration digest <Digest value={current.manifestDigest} full testId="manifest-digest" /> (the credential is not part of it).</p>
                {write ? (
                  <div className="mt-4 border-t border-slate-100 pt-4">
                    <TestConnectionForm team={ctx.team.slug} versionId={current.id} datasets={testDatasets} />
                  </div>
                ) : null}
              </Card>
            ) : ensemble ? (
              <Card title="Ensemble (white-box: every attack runs against the whole ensemble)">
                <Facts
                  items={[
                    ["Combination rule", ENSEMBLE_COMBINE_LABELS[ensemble.combine]],
                    [
                      `Members (${current.ensembleMembers.length})`,
                      <ul key="m" className="space-y-1" data-testid="ensemble-members">
                        {current.ensembleMembers.map(({ member: m }) => (
                          <li key={m.id}>
                            <Link href={`${base}/${m.model.id}?v=${m.version}`} className="text-brand-700 hover:underline">{m.model.name} v{m.version}</Link> <Digest value={m.manifestDigest} />
                            {m.status === "ARCHIVED" ? <> <Badge>archived</Badge></> : null}
                          </li>
                        ))}
                      </ul>,
                    ],
                    ["Gradient attacks", ensemble.gradient],
                    ["Cost to train", ensemble.trainingCostNote],
                  ]}
                />
                <p className="mt-3 text-sm text-slate-600">Ensemble digest <Digest value={current.manifestDigest} full testId="manifest-digest" /> (SHA-256 of the rule and the members&apos; manifest digests, in order). The members&apos; files are stored with the members.</p>
              </Card>
            ) : (
            <Card title="Files">
              <p className="mb-3 text-sm text-slate-600">
                Manifest digest <Digest value={current.manifestDigest} full testId="manifest-digest" /> · {formatBytes(current.totalBytes)} in {current.files.length} files. Each file is stored once, under its SHA-256.
              </p>
              <FilesTable files={current.files} href={(path) => `${base}/${model.id}/file?version=${current.id}&path=${encodeURIComponent(path)}`} role={(role) => role} />
            </Card>
            )}
          </div>
          <div className="space-y-6">
            {endpoint ? null : ensemble ? (
            <Card title="Engine check at registration">
              <Facts
                items={[
                  ["Result", <Badge key="ok" tone="green">Loads and runs</Badge>],
                  ["Checked", "Every member loads; the combined output has one probability per class and finite input gradients."],
                  ["Backend", info.backend],
                  ["Parameters (all members)", info.parameters?.toLocaleString("en")],
                ]}
              />
            </Card>
            ) : (
            <Card title="Engine check at upload">
              <Facts
                items={[
                  ["Result", <Badge key="ok" tone="green">Loads and runs</Badge>],
                  ["Backend", info.backend],
                  ["Parameters", info.parameters?.toLocaleString("en")],
                  ["Layers", info.layerTypes ? [...new Set(info.layerTypes)].join(", ") : ""],
                  ["Output", info.droppedSoftmax ? "Softmax (removed for attack losses)" : "Logits"],
                ]}
              />
              {info.warnings?.length ? <ul className="mt-3 list-disc pl-5 text-xs text-amber-800">{info.warnings.map((w) => <li key={w}>{w}</li>)}</ul> : null}
              {info.ignoredFiles?.length ? <p className="mt-3 text-xs text-slate-500">Not stored (not part of the model): {info.ignoredFiles.join(", ")}</p> : null}
            </Card>
            )}
            <Card title="Version status">
              <p className="text-sm text-slate-600">
                {current.evaluatedAt
                  ? `First evaluated ${formatDateTime(current.evaluatedAt)}: this version is immutable. It can be archived or superseded by a new version, not edited or deleted.`
                  : "Not evaluated yet: the descriptive card fields can still be edited, and the version deleted. Once an evaluation uses it, it becomes immutable."}
              </p>
              {usedBy.length ? (
                <p className="mt-2 text-sm text-slate-600" data-testid="member-of">
                  Member of the ensemble{usedBy.length === 1 ? "" : "s"}{" "}
                  {usedBy.map((e, i) => (
                    <span key={e.id}>{i ? ", " : ""}<Link href={`${base}/${e.model.id}?v=${e.version}`} className="text-brand-700 hover:underline">{e.model.name} v{e.version}</Link></span>
                  ))}
                  : it cannot be deleted while an ensemble uses it, nor archived while one is active; it became immutable when an ensemble over it was evaluated.
                </p>
              ) : null}
            </Card>
            <Card title="History">
              <History events={model.history} />
            </Card>
          </div>
          <div className="lg:col-span-3">
        <Card title={`Versions (${model.versions.length})`}>
          <Table head={["Version", "Uploaded", "Risk", "Digest", "Size", "Status", ...(write ? [""] : [])]} caption="Versions">
            {model.versions.map((x) => (
              <tr key={x.id} className={x.id === current.id ? "bg-brand-50/40" : undefined}>
                <Td>
                  <Link href={`?v=${x.version}`} className="font-medium text-brand-700 hover:underline" aria-current={x.id === current.id ? "true" : undefined}>v{x.version}</Link>{x.format === ENSEMBLE_FORMAT ? <> <Badge tone="blue">ensemble</Badge></> : x.format === "onnx" ? <> <Badge tone="blue">ONNX</Badge></> : null}
                  {hardenedBy.has(x.id) ? <span className="block text-xs text-slate-500">hardened from v{hardenedBy.get(x.id)!.parentVersion.version}</span> : null}
                </Td>
                <Td className="whitespace-nowrap text-xs">{formatDateTime(x.createdAt)}</Td>
                <Td><RiskBadge tier={x.riskTier} /></Td>
                <Td><Digest value={x.manifestDigest} /></Td>
                <Td className="whitespace-nowrap text-xs">{formatBytes(x.totalBytes)}</Td>
                <VersionRowEnd version={x} latestId={latest.id} action={write ? versionAction.bind(null, "models", ctx.team.slug, model.id) : null} />
              </tr>
            ))}
          </Table>
        </Card>
          </div>
        </div>
      )}
      {model.versions.length ? <HardeningSection ctx={ctx} modelId={model.id} runs={runs} current={current} /> : null}
      {model.versions.length ? <CompareVersionsSection ctx={ctx} modelId={model.id} basis={compare} /> : null}
      <ModelEvaluationsSection ctx={ctx} modelId={model.id} />
    </>
  );
}
