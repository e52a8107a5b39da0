export * from "./ast";
export { parseFilter } from "./parser";
export { compileFilter, type FilterPredicate } from "./compile";
export { filterToSql, type FilterColumns, type SqlFilter } from "./sql";
export { tokenize, type Token } from "./tokenizer";
