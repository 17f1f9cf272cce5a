"use client";

import NextLink from "next/link";
import { useRouter } from "next/navigation";
import type { ComponentProps } from "react";

/**
 * The app's link: Next's <Link> without viewport prefetching. Every page here is rendered per request
 * (session, team, permissions), and Next prefetches each link as soon as it scrolls into view: one dashboard
 * view sent about 30 prefetch requests (the sidebar, the latest evaluations), each a server render of the team
 * layout, most never followed. Here a link is prefetched when the user reaches for it (pointer over it,
 * keyboard focus, touch), so a page view costs the links actually used and navigation still starts early.
 * ESLint forbids importing next/link elsewhere.
 */
export default function Link({ prefetch, onMouseEnter, onFocus, onTouchStart, href, ...props }: ComponentProps<typeof NextLink>) {
  const router = useRouter();
  const url = typeof href === "string" ? href : null;
  // Only the app's own pages; `prefetch={false}` still means never.
  const onIntent = prefetch !== false && url !== null && url.startsWith("/") && !url.startsWith("//");
  const warm = () => {
    if (onIntent) router.prefetch(url);
  };
  return (
    <NextLink
      {...props}
      href={href}
      prefetch={false}
      onMouseEnter={(e) => { warm(); onMouseEnter?.(e); }}
      onFocus={(e) => { warm(); onFocus?.(e); }}
      onTouchStart={(e) => { warm(); onTouchStart?.(e); }}
    />
  );
}
