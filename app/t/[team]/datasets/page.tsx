import type { Metadata } from "next";
import type { SearchParams } from "@/app/_lib/search-params";
import { RegistryListFilter } from "../_registry/list-filter";
import { Badge, ButtonLink, EmptyState, PageHeader, Table, Td } from "@/app/_components/ui";
import { registryListStart } from "../_registry/page-start";
import { LatestVersionCell, RecordNameCell, RegistryListBody } from "../_registry/list";
import { icons } from "@/app/_components/icons";
import { DatasetListFilterSchema, listDatasets } from "@/lib/registry/datasets";
import { FORMAT_LABELS } from "@/lib/registry/dataset-card";

export const metadata: Metadata = { title: "Datasets" };

export default async function DatasetsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: SearchParams }) {
  const { base, write, filter, filtered, rows: datasets } = await registryListStart(params, searchParams, "datasets", { filter: DatasetListFilterSchema, rows: listDatasets });
  return (
    <>
      <PageHeader
        title="Datasets"
        description="Evaluation datasets with provenance, licence and personal-data facts. Each version is stored as a normalised tensor file next to the original upload."
        actions={write ? <ButtonLink href={`${base}/new`}>Register a dataset</ButtonLink> : null}
      />
      <RegistryListBody
        count={datasets.length}
        filtered={filtered}
        empty={
          <EmptyState icon={icons.datasets("h-10 w-10")} title="No datasets yet" action={write ? <ButtonLink href={`${base}/new`}>Register a dataset</ButtonLink> : null}>
            Upload an image archive, IDX files or a CSV with its dataset card. Datasets are checked against the models they are evaluated with.
            {!write ? " Engineers and admins of this team can register datasets." : ""}
          </EmptyState>
        }
        filter={<RegistryListFilter noun="datasets" base={base} q={filter.q} placeholder="Name or description" select={{ name: "format", label: "Format", value: filter.format, all: "All formats", options: Object.entries(FORMAT_LABELS) }} archived={Boolean(filter.archived)} filtered={filtered} />}
        noMatch="No dataset matches these filters."
      >
        <Table head={["Dataset", "Latest version", "Format", "Samples", "Split", "Licence", "Personal data"]} caption="Registered datasets">
          {datasets.map((d) => (
            <tr key={d.id} className="hover:bg-slate-50">
              <RecordNameCell href={`${base}/${d.id}`} record={d} />
              <LatestVersionCell latest={d.latest} versionCount={d.versionCount} />
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
      </RegistryListBody>
    </>
  );
}
