/**
 * The CNN backbone: MobileNetV2 (width 1.4, trained at 224 px, run at 192 px; the ImageNet feature extractor of nsfwjs's
 * `mobilenet_v2_mid` model, MIT) run with TensorFlow.js on its WebAssembly backend. The weights
 * and the .wasm binaries ship inside their npm packages: nothing is downloaded.
 *
 * Loaded lazily, once per thread: call `backbone()` from a worker thread.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'

/** Input side of the network, in pixels: 192 keeps one image under ~60 ms (224: ~75 ms). */
export const INPUT_SIDE = 192

const PREFIX =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/' +
  'StatefulPartitionedCall/predict/MobilenetV2/'
/** The last convolution before the classifier: 6 x 6 x 1792 at 192 px. */
const CONV1_NODE = PREFIX + 'Conv_1/Relu6'
/** The output of the 15th inverted-residual block: 6 x 6 x 224 at 192 px. */
const BLOCK15_NODE = PREFIX + 'expanded_conv_15/add'
/** The projection of the 14th inverted-residual block (stride 2, no residual): 6 x 6 x 224. */
const BLOCK13_NODE = PREFIX + 'expanded_conv_13/project/BatchNorm/FusedBatchNormV3'

export interface BackboneOutput {
  /** Global average pooling of Conv_1 (1792). */
  conv1: Float32Array
  /** Global average pooling of expanded_conv_15 (224). */
  block15: Float32Array
  /** Global average pooling of expanded_conv_13's projection (224). */
  block13: Float32Array
}

export interface Backbone {
  /** Run the network on `side` x `side` RGB pixels (interleaved, 3 channels). */
  run(rgb: Uint8Array, side: number): BackboneOutput
}

interface NsfwModelModule {
  MobileNetV2MidModel: {
    modelJson: () => Promise<{ default: ModelJson }>
    weightBundles: Array<() => Promise<{ default: string }>>
  }
}
interface ModelJson {
  modelTopology: { node: Array<{ op: string; attr?: Record<string, unknown> }> }
  weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>
}

/** 8-bit channel value → network input (v / 255 as float32). */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255)

let loading: Promise<Backbone> | null = null
let loaded = false

/** The backbone of this thread, loaded on first call. */
export function backbone(): Promise<Backbone> {
  loading ??= load().then(
    (b) => {
      loaded = true
      return b
    },
    (err) => {
      loading = null
      throw err
    },
  )
  return loading
}

/** Whether this thread's backbone is loaded (a call to `backbone()` resolves at once). */
export function backboneLoaded(): boolean {
  return loaded
}

async function load(): Promise<Backbone> {
  const require = createRequire(import.meta.url)
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep)
  await tf.setBackend('wasm')
  await tf.ready()

  const { MobileNetV2MidModel: spec } =
    (await import('nsfwjs/models/mobilenet_v2_mid')) as unknown as NsfwModelModule
  const json = (await spec.modelJson()).default
  const shards: Buffer[] = []
  for (const bundle of spec.weightBundles)
    shards.push(Buffer.from((await bundle()).default, 'base64'))
  const weights = Buffer.concat(shards)
  // Accept any input size: the graph is fully convolutional up to the feature node.
  const topology = structuredClone(json.modelTopology)
  for (const n of topology.node) {
    if (n.op !== 'Placeholder') continue
    const shape = n.attr?.shape as { shape?: { dim?: Array<{ size: string }> } } | undefined
    const dims = shape?.shape?.dim
    if (dims && dims.length === 4) dims[1].size = dims[2].size = '-1'
  }
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: topology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  )

  return {
    run(rgb, side) {
      // 0..255 → 0..1 through a table: the same float32 values as `v / 255`, but a plain loop
      // (Float32Array.from with a map function walks an iterator per element: ~20 % of a
      // request's CPU in the worker's profile, and 440 KB of garbage per picture).
      const n = side * side * 3
      if (rgb.length !== n) throw new Error(`expected ${n} RGB values, got ${rgb.length}`)
      const input = new Float32Array(n)
      for (let i = 0; i < n; i++) input[i] = UNIT[rgb[i]]
      const [c1, b15, b13] = tf.tidy(() => {
        const x = tf.tensor4d(input, [1, side, side, 3])
        const outs = model.execute(x, [CONV1_NODE, BLOCK15_NODE, BLOCK13_NODE]) as tf.Tensor4D[]
        return outs.map((t) => tf.mean(t, [1, 2]))
      })
      const conv1 = Float32Array.from(c1.dataSync())
      const block15 = Float32Array.from(b15.dataSync())
      const block13 = Float32Array.from(b13.dataSync())
      tf.dispose([c1, b15, b13])
      return { conv1, block15, block13 }
    },
  }
}
