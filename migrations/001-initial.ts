import type { Migration } from './index.ts';

/** Layout 1: dv:views catalog hash, dv:source:pg checkpoint hash, per-view {v:NAME} rows/keys/meta/log. Nothing to convert. */
export const m001Initial: Migration = {
  description: 'initial layout (catalog, checkpoint, per-view rows/keys/meta/log)',
  async up() {},
};
