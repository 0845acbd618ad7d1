/**
 * The view engine: compiles SQL view definitions into pure incremental
 * dataflows (source transaction in → consolidated view changes out).
 */
export { compileView } from './compile-view.ts';
export type {
  Column,
  CompiledView,
  SourceChange,
  SqlSettings,
  TableCatalog,
  TableInfo,
  ViewCatalog,
  ViewChange,
  ViewDelta,
} from './types.ts';
