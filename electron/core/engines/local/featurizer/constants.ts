/**
 * Identity of the descriptor, importable without loading the network (the main thread only needs
 * these; TensorFlow.js is loaded inside the worker threads).
 */

/** Stored with every vector: a change means stored vectors must be recomputed. */
export const VERSION = 'mnv2-140-192-c1b15b13-hsv-lw256-r3'
/** Dimension of the final descriptor. */
export const DIM = 256
/** Ridge of the learned whitening, as a fraction of the within-class scatter's largest eigenvalue. */
export const WHITENING_REG = 0.003
