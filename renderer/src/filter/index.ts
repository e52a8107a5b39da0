export * from './grammar'
export * from './validate'
export * from './builder'
