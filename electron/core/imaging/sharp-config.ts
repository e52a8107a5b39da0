/**
 * sharp's process-wide settings for long-running hosts with many pictures in flight (issue 11):
 *
 * - No operation cache (`sharp.cache(false)`): libvips would otherwise keep up to 50 MB of
 *   recent operations with their input buffers alive — pictures never come back, so it only
 *   holds memory.
 * - Few libvips threads per pipeline (`sharp.concurrency`): our worker pools already run several
 *   pictures at once, so each pipeline gets a quarter of the cores (at least 1); sharp itself
 *   picks 1 where it detects glibc's allocator, and that choice is kept.
 *
 * libvips is shared by every thread of the process, so calling this once anywhere is enough; the
 * imaging pipeline, the featurizer's decode and the local engine's picture checks all call it.
 */
import os from 'node:os'
import sharp from 'sharp'

let done = false

export function configureSharp(): void {
  if (done) return
  done = true
  sharp.cache(false)
  const perPipeline = Math.max(1, Math.ceil(os.availableParallelism() / 4))
  sharp.concurrency(Math.min(sharp.concurrency() || perPipeline, perPipeline))
}
