/** Where the dashboard's shell lives on the admin listener. */
export const dashboardPath = '/dashboard';

/**
 * The page file a path asks for: `index.html` for `/dashboard` and `/dashboard/`, the name for
 * `/dashboard/<name>`, undefined for any other path (the token-protected API). A name with a slash or
 * a dot-dot is still a name: it is looked up in the files read at start and simply not found.
 */
export function dashboardAssetName(path: string): string | undefined {
  if (path === dashboardPath || path === `${dashboardPath}/`) return 'index.html';
  if (!path.startsWith(`${dashboardPath}/`)) return undefined;
  return path.slice(dashboardPath.length + 1);
}
