import Link from "@/app/_components/link";

export default function NotFound() {
  return (
    <main className="flex min-h-[60vh] flex-col items-center justify-center px-4 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold text-slate-900">Not found</h1>
      <p className="mt-2 max-w-md text-sm text-slate-600">This page does not exist, or you do not have access to it.</p>
      <Link href="/" className="mt-6 text-sm font-medium text-brand-700 hover:underline">
        Back to your workspace
      </Link>
    </main>
  );
}
