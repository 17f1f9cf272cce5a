import type { Metadata } from "next";
import Link from "@/app/_components/link";
import { modelVersionPage, orNotFound, type ModelVersionPageProps } from "@/app/_lib/team";
import { Alert, Card, PageHeader } from "@/app/_components/ui";
import { RegistryCrumbs } from "../../../_registry/page-parts";
import { getExplorerSetup } from "@/lib/evaluations/explore";
import { ExplorerLoader } from "./loader";

export const metadata: Metadata = { title: "Explore an attack" };

export default async function ExplorePage(props: ModelVersionPageProps) {
  const { ctx, modelId, version } = await modelVersionPage(props);
  const setup = await orNotFound(getExplorerSetup(ctx, modelId, version));
  const base = `/t/${ctx.team.slug}/models`;
  const team = ctx.team.slug;
  return (
    <>
      <RegistryCrumbs base={base} label="Models" record={{ name: setup.modelName, href: `${base}/${modelId}?v=${setup.versionNumber}` }} tail="Explore" />
      <PageHeader
        title={`Explore ${setup.modelName} v${setup.versionNumber}`}
        description="Watch an adversarial example being made: your browser loads this model version and runs the attack itself, with the same engine code as Bulwark's workers."
      />
      {!setup.available ? (
        <Alert tone="amber">{setup.reason}</Alert>
      ) : (
        <div className="space-y-6">
          <ExplorerLoader team={team} modelId={modelId} setup={setup} />
          <Card title="Why this matters">
            <div className="space-y-2 text-sm text-slate-700" data-testid="why-panel">
              <p>
                A change too small for a person to notice — every pixel moved by at most ε — can make the model give a different answer with high
                confidence. Anyone who can touch the input (a photo, a scan, a form) can try this; an attacker with the model&apos;s files can do it
                as easily as this page does.
              </p>
              <p>
                An evaluation runs the same attacks on hundreds of examples and counts how many keep their answer: that share is the
                <strong> robust accuracy</strong>.{" "}
                {setup.evaluation ? (
                  <>
                    Evaluation <Link className="text-brand-700 hover:underline" href={`/t/${team}/evaluations/${setup.evaluation.number}`}>#{setup.evaluation.number}</Link> measured
                    it for this version, example by example.
                  </>
                ) : (
                  <>This version has no completed evaluation yet: <Link className="text-brand-700 hover:underline" href={`/t/${team}/evaluations`}>evaluations</Link>.</>
                )}
              </p>
              <p>
                The team&apos;s policy compares robust accuracy with a threshold for the model&apos;s risk tier, and the result is the evidence for the
                controls that ask for resilience to be evaluated:{" "}
                {setup.controls.map((c, i) => (
                  <span key={c}>{i ? ", " : ""}<Link className="text-brand-700 hover:underline" href={`/t/${team}/controls?control=${encodeURIComponent(c)}`}>{c.replace(":", " ")}</Link></span>
                ))}{" "}
                (<Link className="text-brand-700 hover:underline" href={`/t/${team}/controls`}>all controls</Link>).
              </p>
            </div>
          </Card>
        </div>
      )}
    </>
  );
}
