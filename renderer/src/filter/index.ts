export * from './grammar'
export * from './builder'
export * from './messages'
