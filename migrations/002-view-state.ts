import type { Migration } from './index.ts';

/**
 * Layout 2: stateful views (joins, aggregates, tables without a primary key) keep their
 * operator inputs in dv:{v:NAME}:state, written by the same commit script as their rows.
 * Views of layout 1 are all stateless: nothing to convert.
 */
export const m002ViewState: Migration = {
  description: 'per-view durable operator state (dv:{v:NAME}:state)',
  async up() {},
};
