/** The filter language, once: tokenizer, parser, problems (codes + the engine's wording), semantics. */
export * from './ast'
export * from './problems'
export { tokenize, type Token, type TokenKind } from './tokenizer'
export { checkFilter, parseFilterText, type FilterCheck } from './parser'
export { compileFilter, type FilterPredicate } from './compile'
