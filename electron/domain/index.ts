/**
 * The shared domain layer: what Loupe knows about images, attributes, regions, filters and the
 * states of its background work, once. Pure TypeScript (zod allowed): no Node, no DOM, no import
 * from api, core, hosts or the renderer — every one of them may import from here.
 */
export * from './attributes'
export * from './region'
export * from './picture'
export * from './states'
