import { isMap, isNode, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Finds where a key path lives in the YAML source, falling back to the nearest existing parent. */
export class YamlLocator {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the value at `segments`, or of its nearest ancestor that exists. */
  locate(segments: readonly (string | number)[]): SourcePosition {
    for (let depth = segments.length; depth >= 0; depth--) {
      const node = this.document.getIn(segments.slice(0, depth), true);
      if (isNode(node)) return this.positionOf(node);
    }
    return { line: 1, column: 1 };
  }

  /** Position of the key `name` inside the mapping at `segments` (for unknown-key problems). */
  locateKey(segments: readonly (string | number)[], name: string): SourcePosition {
    const map = segments.length === 0 ? this.document.contents : this.document.getIn(segments, true);
    if (isMap(map)) {
      for (const item of map.items) {
        if (isPair(item) && isScalar(item.key) && String(item.key.value) === name) return this.positionOf(item.key);
      }
    }
    return this.locate(segments);
  }

  positionOfOffset(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private positionOf(node: Node): SourcePosition {
    return this.positionOfOffset(node.range?.[0] ?? 0);
  }
}
