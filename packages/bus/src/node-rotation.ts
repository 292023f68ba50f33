/** A source of numbers in [0, 1), like Math.random (which is the default everywhere it is taken). */
export type RandomSource = () => number;

/**
 * Which node of the list a connection is on, and which it tries next. It starts at a random node, so
 * the connections of many processes (replicas, services) given the same list spread over the cluster
 * instead of all sitting on its first node; after a loss or a failed attempt it moves to the next node,
 * wrapping around, so every node is tried once per round.
 */
export class NodeRotation {
  private position: number;

  constructor(
    private readonly count: number,
    random: RandomSource = Math.random,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`node count must be ≥ 1, got ${count}`);
    // Clamped: a source returning exactly 1 (or a little more) must still name a node.
    this.position = Math.min(count - 1, Math.max(0, Math.floor(random() * count)));
  }

  /** Index of the node connected to, or being tried next. */
  get index(): number {
    return this.position;
  }

  /** Moves to the next node of the list, after the last back to the first. */
  advance(): number {
    this.position = (this.position + 1) % this.count;
    return this.position;
  }
}
