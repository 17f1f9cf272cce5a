import { redirect } from "next/navigation";

export default async function TeamIndex({ params }: { params: Promise<{ team: string }> }) {
  redirect(`/t/${(await params).team}/dashboard`);
}
