import Link from "@/app/_components/link";
import { PageHeader } from "@/app/_components/ui";

type SettingsTab = "members" | "tokens" | "api" | "policy" | "catalogs" | "alerts" | "outbound";

/** The heading and tabs every settings page opens with. */
export function SettingsHeader({ team, current, description = "Team members, roles and API access." }: { team: string; current: SettingsTab; description?: string }) {
  return (
    <>
      <PageHeader title="Settings" description={description} />
      <SettingsTabs team={team} current={current} />
    </>
  );
}

function SettingsTabs({ team, current }: { team: string; current: SettingsTab }) {
  const tabs = [
    ["members", "Members"],
    ["tokens", "API tokens"],
    ["api", "API reference"],
    ["policy", "Policy"],
    ["catalogs", "Catalogs"],
    ["alerts", "Alerts & webhook"],
    ["outbound", "Outbound hosts"],
  ] as const;
  return (
    <nav aria-label="Settings" className="mb-6 flex flex-wrap gap-1 border-b border-slate-200">
      {tabs.map(([key, label]) => (
        <Link
          key={key}
          href={`/t/${team}/settings/${key}`}
          aria-current={current === key ? "page" : undefined}
          className={`-mb-px shrink-0 whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${current === key ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}
