// What a consumer reads from a queue: a slice of a producer's segment, read in place, or an inline event.

/**
 * One readable piece of a queue: either bytes `[offset, offset + length)` of the network memory (part
 * or all of one segment, read in place), or an event. A consumer reads it and then releases it to the
 * view it came from; the segment is recycled to its pool when its last slice is released.
 *
 * Instances are reused per view: a slice is valid until released.
 */
export class BufferSlice {
  /** Index of the input channel in its gate (set by the gate). */
  channelIndex = -1;
  isEvent = false;
  /** Event payload (a copy; events are small and rare). */
  event: Uint8Array | null = null;
  /** Absolute byte offset in network memory. */
  offset = 0;
  length = 0;
  /** True when this slice ends its segment: releasing it recycles the segment. */
  isLast = false;
  segment = -1;
  /** Sequence number of this slice in its queue: buffers and events, 0, 1, 2, … */
  sequenceNumber = 0;
}
