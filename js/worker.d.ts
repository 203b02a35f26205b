// worker.d.ts - TypeScript declarations for `wasmtricks/worker` (js/worker.js); the types are
// declared and documented in index.d.ts ("Browser and Worker").
import type { WorkerTrainerConstructor, WorkerTrainer as WorkerTrainerInstance, ImageIO, OpenStoreOptions, Store } from './index.js';

export type { WorkerTrainerOptions, WorkerFitOptions, WorkerFitResult, WorkerData,
  WorkerModelOptions, Store, StoredRun, LoadedRun, ImageSource, ModelImage, ToInputOptions } from './index.js';
export { WasmTricksError } from './index.js';

export type WorkerTrainer = WorkerTrainerInstance;
export const WorkerTrainer: WorkerTrainerConstructor;
export const image: ImageIO;
export function openStore(options?: OpenStoreOptions): Promise<Store>;
