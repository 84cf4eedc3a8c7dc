const dotSegment = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/**
 * True when a path has `.` or `..` segments (also percent-encoded). An upstream would resolve them,
 * so a wildcard route could reach paths outside its prefix; such requests are refused at the edge.
 */
export function isUnsafePath(path: string): boolean {
  if (!path.includes('.') && !path.includes('%')) return false;
  return dotSegment.test(path);
}
