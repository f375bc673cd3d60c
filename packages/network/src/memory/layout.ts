// Word offsets of everything that lives in a TaskManager's network memory (one SharedArrayBuffer).
//
//  Int32 words                                                             bytes
//  +--------+-----------------+-----------------+--------------+-----------+------------------------+
//  | HEADER | SEGMENT_NEXT[n] | SEGMENT_OWNER[n]| POOLS[p × 16]| SIGNALS[q]| QUEUES[q × (16+c×16)]  |  SEGMENTS[n × size]
//  +--------+-----------------+-----------------+--------------+-----------+------------------------+
//
// Keep in sync with PROTOCOL.md? No: this layout never leaves the process. Every thread of one
// TaskManager computes the same offsets from the header, so only the SharedArrayBuffer is passed around.

/** Words of the header. */
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_SEGMENT_SIZE = 2;
export const H_NUM_SEGMENTS = 3;
export const H_MAX_POOLS = 4;
export const H_MAX_QUEUES = 5;
export const H_QUEUE_CAPACITY = 6;
export const H_GLOBAL_LOCK = 7;
export const H_GLOBAL_FREE_HEAD = 8;
export const H_GLOBAL_NUM_FREE = 9;
export const HEADER_WORDS = 16;

export const MEMORY_MAGIC = 0x534c4d45; // "SLME"
export const MEMORY_VERSION = 1;

/** Words of one LocalBufferPool's control block. */
export const P_LOCK = 0;
export const P_IN_USE = 1;
export const P_MIN = 2;
export const P_MAX = 3;
export const P_NUM_REQUESTED = 4; // segments the pool holds (free + handed out)
export const P_FREE_HEAD = 5;
export const P_NUM_FREE = 6;
export const P_SIGNAL = 7; // bumped on every recycle; waiters sleep on it
export const P_NUM_WAITERS = 8;
export const P_NUM_BLOCKED_QUEUES = 9; // subpartitions at max-buffers-per-channel
export const P_DESTROYED = 10;
export const P_FREE_TAIL = 12; // free list is FIFO: recycle appends at the tail, requests take the head
export const P_LISTENER_SIGNAL = 11;
export const P_LISTENER_WANTED = 13; // 1 while the listener needs to hear of every recycle; 0 = it will look by itself soon // word index another thread sleeps on to learn of recycles (the TM main thread for receive pools), or -1
export const POOL_WORDS = 16;

/** Words of one queue's header (a ResultSubpartition, or a remote channel's receive queue). */
export const Q_IN_USE = 0;
export const Q_HEAD = 1; // consumer's index of the next entry to read (monotonic)
export const Q_TAIL = 2; // producer's index of the next entry to write (monotonic)
export const Q_BACKLOG = 3; // finished data buffers not yet consumed
export const Q_NUM_BUFFERS = 4; // data buffers the queue holds (incl. the one being written)
export const Q_CONSUMER_SIGNAL = 5; // signal word index the producer bumps when data becomes readable
export const Q_FLAGS = 6;
export const Q_POOL = 7; // pool whose max-buffers-per-channel accounting this queue takes part in, or -1
export const Q_MAX_BUFFERS = 8; // max-buffers-per-channel for this queue, 0 = no cap
export const Q_PRODUCER_SIGNAL = 9; // signal word the consumer bumps when it frees an entry
export const Q_CONSUMER_WAKE_OFF = 10; // 1 while the consumer will look by itself (a remote reader without credit): new data bumps its signal without a notify
export const QUEUE_HEADER_WORDS = 16;

/** Q_FLAGS bits. */
export const QF_PRODUCER_FINISHED = 1;
export const QF_CONSUMER_RELEASED = 2;

/** Words of one queue entry: a data buffer (a segment, filled in place) or an inline event. */
export const E_KIND = 0;
export const E_SEGMENT = 1;
export const E_COMMITTED = 2; // bytes of the segment the consumer may read (grows on flush)
export const E_FINISHED = 3; // 1 once the producer will write no more into this buffer
export const E_POOL = 4; // pool the segment goes back to
export const E_EVENT_LENGTH = 5;
export const E_EVENT_PAYLOAD = 6; // up to MAX_INLINE_EVENT_BYTES bytes
export const ENTRY_WORDS = 16; // 64 bytes: one cache line per entry
export const MAX_INLINE_EVENT_BYTES = (ENTRY_WORDS - E_EVENT_PAYLOAD) * 4;

/** HEAD and TAIL count modulo 2^30; the capacity is a power of two, so entry = index & (capacity - 1). */
export const INDEX_MASK = 0x3fffffff;

export const KIND_DATA = 1;
export const KIND_EVENT = 2;

/** Where each table starts, derived from the header's sizes. */
export interface MemoryLayout {
  segmentSize: number;
  numSegments: number;
  maxPools: number;
  maxQueues: number;
  queueCapacity: number;
  segmentNext: number;
  segmentOwner: number;
  pools: number;
  signals: number;
  queues: number;
  queueWords: number;
  controlWords: number;
  dataOffset: number;
  totalBytes: number;
}

/** Computes the layout for the given sizes. */
export function computeLayout(segmentSize: number, numSegments: number, maxPools: number, maxQueues: number, queueCapacity: number): MemoryLayout {
  const segmentNext = HEADER_WORDS;
  const segmentOwner = segmentNext + numSegments;
  const pools = segmentOwner + numSegments;
  const signals = pools + maxPools * POOL_WORDS;
  const queues = signals + maxQueues;
  const queueWords = QUEUE_HEADER_WORDS + queueCapacity * ENTRY_WORDS;
  const controlWords = queues + maxQueues * queueWords;
  const dataOffset = Math.ceil((controlWords * 4) / 64) * 64;
  return {
    segmentSize, numSegments, maxPools, maxQueues, queueCapacity,
    segmentNext, segmentOwner, pools, signals, queues, queueWords, controlWords,
    dataOffset, totalBytes: dataOffset + numSegments * segmentSize,
  };
}
