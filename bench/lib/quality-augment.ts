/** The engine's augmented views (moved to the core when the gallery-adapted space was built). */
export { augmentedView } from '../../electron/core/engines/local/featurizer/augment'
