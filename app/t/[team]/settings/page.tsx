import { redirect } from "next/navigation";

export default async function SettingsIndex({ params }: { params: Promise<{ team: string }> }) {
  redirect(`/t/${(await params).team}/settings/members`);
}
