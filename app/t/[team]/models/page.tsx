import type { Metadata } from "next";
import Link from "@/app/_components/link";
import type { SearchParams } from "@/app/_lib/search-params";
import { RegistryListFilter } from "../_registry/list-filter";
import { ButtonLink, EmptyState, PageHeader, Table, Td, formatDateTime } from "@/app/_components/ui";
import { registryListStart } from "../_registry/page-start";
import { LatestVersionCell, RecordNameCell, RegistryListBody } from "../_registry/list";
import { icons } from "@/app/_components/icons";
import { Digest, RiskBadge } from "@/app/_components/registry-ui";
import { EvaluationStatusBadge, VerdictBadge } from "@/app/_components/evaluation-ui";
import { listModels, ModelListFilterSchema } from "@/lib/registry/models";
import { RISK_TIERS, RISK_TIER_LABELS } from "@/lib/registry/model-card";

export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: SearchParams }) {
  const { ctx, base, write, filter, filtered, rows: models } = await registryListStart(params, searchParams, "models", { filter: ModelListFilterSchema, rows: listModels });
  return (
    <>
      <PageHeader
        title="Models"
        description="Registered models, their versions and model cards. Every version was checked to load and run in the engine before it was stored."
        actions={write ? <><ButtonLink href={`${base}/endpoint`} variant="secondary">Register an HTTP endpoint</ButtonLink><ButtonLink href={`${base}/new`}>Register a model</ButtonLink></> : null}
      />
      <RegistryListBody
        count={models.length}
        filtered={filtered}
        empty={
          <EmptyState icon={icons.models("h-10 w-10")} title="No models registered yet" action={write ? <ButtonLink href={`${base}/new`}>Register a model</ButtonLink> : null}>
            Register a TensorFlow.js model version with its card (task, input range, class labels, risk tier). Bulwark checks it loads and runs before storing it.
            {!write ? " Engineers and admins of this team can register models." : ""}
          </EmptyState>
        }
        filter={<RegistryListFilter noun="models" base={base} q={filter.q} placeholder="Name, description or owner" select={{ name: "risk", label: "Risk tier", value: filter.risk, all: "All tiers", options: RISK_TIERS.map((t) => [t, RISK_TIER_LABELS[t]]) }} archived={Boolean(filter.archived)} filtered={filtered} />}
        noMatch="No model matches these filters."
      >
        <Table head={["Model", "Latest version", "Risk tier", "Owner", "Last evaluation", "Digest"]} caption="Registered models">
          {models.map((m) => (
            <tr key={m.id} className="hover:bg-slate-50">
              <RecordNameCell href={`${base}/${m.id}`} record={m} />
              <LatestVersionCell latest={m.latest} versionCount={m.versionCount} none={<span className="text-slate-500">—</span>} />
              <Td>{m.latest ? <RiskBadge tier={m.latest.riskTier} /> : null}</Td>
              <Td>{m.latest?.owner}</Td>
              <Td className="text-xs">
                {m.lastEvaluation ? (
                  <>
                    <Link href={`/t/${ctx.team.slug}/evaluations/${m.lastEvaluation.number}`} className="font-medium text-brand-700 hover:underline">#{m.lastEvaluation.number}</Link>{" "}
                    {m.lastEvaluation.verdict ? <VerdictBadge verdict={m.lastEvaluation.verdict} /> : <EvaluationStatusBadge status={m.lastEvaluation.status} />}
                    <div className="text-slate-500">{formatDateTime(m.lastEvaluation.createdAt)}</div>
                  </>
                ) : (
                  <span className="text-slate-500">Not evaluated yet</span>
                )}
              </Td>
              <Td>{m.latest ? <Digest value={m.latest.manifestDigest} /> : null}</Td>
            </tr>
          ))}
        </Table>
      </RegistryListBody>
    </>
  );
}
